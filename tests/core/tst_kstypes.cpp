// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/com.h"
#include "ksscope/ks_types.h"

#include <QTest>

#include <cstddef>

using namespace ksscope;

class TestKsTypes : public QObject {
    Q_OBJECT
private slots:
    void enumValues()
    {
        QCOMPARE(static_cast<int>(KsAllocatorMode_User), 0);
        QCOMPARE(static_cast<int>(KsAllocatorMode_Kernel), 1);
        QCOMPARE(static_cast<int>(KsPeekOperation_PeekOnly), 0);
        QCOMPARE(static_cast<int>(KsPeekOperation_AddRef), 1);
        QCOMPARE(static_cast<int>(PipeState_Finalized), 4);
        QCOMPARE(static_cast<int>(Pipe_Allocator_MiddlePin), 3);
        QCOMPARE(static_cast<int>(KS_MemoryTypeAnyHost), 6);
        QCOMPARE(static_cast<int>(KS_MemoryTypeUser), 5);
    }
    void flagValues()
    {
        QCOMPARE(KSALLOCATOR_REQUIREMENTF_INPLACE_MODIFIER, 0x1u);
        QCOMPARE(KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY, 0x2u);
        QCOMPARE(KSALLOCATOR_REQUIREMENTF_FRAME_INTEGRITY, 0x4u);
        QCOMPARE(KSALLOCATOR_REQUIREMENTF_MUST_ALLOCATE, 0x8u);
        QCOMPARE(KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY, 0x80000000u);
        QCOMPARE(KSALLOCATOR_OPTIONF_COMPATIBLE, 0x1u);
        QCOMPARE(KSALLOCATOR_OPTIONF_SYSTEM_MEMORY, 0x2u);
        QCOMPARE(KSALLOCATOR_FLAG_PARTIAL_READ_SUPPORT, 0x10u);
        QCOMPARE(KSALLOCATOR_FLAG_ATTENTION_STEPPING, 0x2000u);
        QCOMPARE(FILE_QUAD_ALIGNMENT, 7u);
        QCOMPARE(kKSPROPERTY_CONNECTION_ALLOCATORFRAMING, 3u);
        QCOMPARE(kKSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX, 6u);
        QCOMPARE(kKSPROPERTY_STREAMALLOCATOR_FUNCTIONTABLE, 0u);
        QCOMPARE(kKSPROPERTY_STREAMALLOCATOR_STATUS, 1u);
    }
    void layouts()
    {
        QCOMPARE(sizeof(KSALLOCATOR_FRAMING), std::size_t{24});
        QCOMPARE(offsetof(KSALLOCATOR_FRAMING, Frames), std::size_t{8});
        QCOMPARE(offsetof(KSALLOCATOR_FRAMING, FileAlignment), std::size_t{16});
        QCOMPARE(sizeof(KSSTREAMALLOCATOR_STATUS), std::size_t{32});
        QCOMPARE(offsetof(KSSTREAMALLOCATOR_STATUS, AllocatedFrames), std::size_t{24});
        QCOMPARE(sizeof(ALLOCATOR_PROPERTIES), std::size_t{16});
        QCOMPARE(sizeof(KS_FRAMING_ITEM), std::size_t{88});
        QCOMPARE(sizeof(ALLOCATOR_PROPERTIES_EX), std::size_t{264});
        QCOMPARE(offsetof(ALLOCATOR_PROPERTIES_EX, MemoryType), std::size_t{16});
        QCOMPARE(offsetof(ALLOCATOR_PROPERTIES_EX, PrevSegment), std::size_t{232});
        QCOMPARE(offsetof(ALLOCATOR_PROPERTIES_EX, NumberPins), std::size_t{260});
    }
    void guids()
    {
        QCOMPARE(guids::KSMEMORY_TYPE_KERNEL_NONPAGED.toString(),
                 std::string("{4A6D5FC4-7895-11D1-B069-00A0C9062802}"));
        QCOMPARE(guidName(guids::KSMEMORY_TYPE_USER), std::string("KSMEMORY_TYPE_USER"));
        QCOMPARE(guidName(guids::KSCATEGORY_VIDEO_CAMERA), std::string("KSCATEGORY_VIDEO_CAMERA"));
        QCOMPARE(guidName(iids::IID_IKsAllocatorEx), std::string("{091BB63A-603F-11D1-B067-00A0C9062802}"));
        Guid g;
        QVERIFY(guidFromName("KSMEMORY_TYPE_KERNEL_PAGED", g));
        QCOMPARE(g, guids::KSMEMORY_TYPE_KERNEL_PAGED);
        QVERIFY(guidFromName("KERNEL_NONPAGED", g));
        QCOMPARE(g, guids::KSMEMORY_TYPE_KERNEL_NONPAGED);
        QVERIFY(!guidFromName("NONPAGED_KERNEL", g));
        QVERIFY(!guidFromName("", g));
        QVERIFY(Guid{}.isNull());
        QVERIFY(!guids::KSMEMORY_TYPE_USER.isNull());
    }
    void names()
    {
        QCOMPARE(allocatorModeName(KsAllocatorMode_User), std::string_view("user"));
        QCOMPARE(allocatorModeName(KsAllocatorMode_Kernel), std::string_view("kernel"));
        QCOMPARE(pipeStateName(PipeState_RangeFixed), std::string_view("PipeState_RangeFixed"));
        QCOMPARE(pipeAllocatorPlaceName(Pipe_Allocator_LastPin), std::string_view("Pipe_Allocator_LastPin"));
        QCOMPARE(logicalMemoryTypeName(KS_MemoryTypeKernelNonPaged), std::string_view("KS_MemoryTypeKernelNonPaged"));
        QCOMPARE(framingFlagsToString(0), std::string("0"));
        QCOMPARE(
            framingFlagsToString(KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY | KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY),
            std::string("SYSTEM_MEMORY | PREFERENCES_ONLY"));
        QCOMPARE(framingFlagsToString(0x100), std::string("0x100"));
    }
    void framingTranslation()
    {
        // KsCreateAllocatorAndGetHandle: Frames = cBuffers, FrameSize = cbBuffer, FileAlignment = cbAlign - 1
        const ALLOCATOR_PROPERTIES props{2, 153600, 8, 0};
        const KSALLOCATOR_FRAMING f =
            framingFromProperties(props, KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY, kNonPagedPool);
        QCOMPARE(f.Frames, 2u);
        QCOMPARE(f.FrameSize, 153600u);
        QCOMPARE(f.FileAlignment, FILE_QUAD_ALIGNMENT);
        QCOMPARE(f.OptionsFlags, KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY);
        const ALLOCATOR_PROPERTIES back = propertiesFromFraming(f);
        QCOMPARE(back, props);
    }
};

QTEST_GUILESS_MAIN(TestKsTypes)
#include "tst_kstypes.moc"
