# SPDX-License-Identifier: GPL-3.0-or-later
# The ks backend (Windows): DirectShow/ksproxy and IOCTL_KS_PROPERTY. Its request and reply layer
# (ks_property.cpp) is built everywhere, for the tests.
if(WIN32)
    ksscope_backend(ks registerKsBackend SOURCES src/ks/ks_abi_win.cpp src/ks/ks_com_win.cpp
                    src/ks/ks_backend_win.cpp)
    target_link_libraries(ksscope-core PUBLIC ksguid strmiids ole32 oleaut32 setupapi uuid)
    add_feature_info(ks WIN32 "KS filters through DirectShow/ksproxy and IOCTL_KS_PROPERTY")
endif()
