// SPDX-License-Identifier: GPL-3.0-or-later
// Listen addresses and token files of the agent.

#include "ksscope/agent.h"

#include <array>
#include <charconv>
#include <fstream>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#endif

namespace ksscope::agent {

bool ListenAddress::loopback() const
{
    std::array<unsigned char, 16> bytes{};
    if (inet_pton(AF_INET, host.c_str(), bytes.data()) == 1)
        return bytes[0] == 127;
    if (inet_pton(AF_INET6, host.c_str(), bytes.data()) == 1) {
        static constexpr std::array<unsigned char, 16> kLoopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        if (bytes == kLoopback)
            return true;
        // ::ffff:127.x.y.z
        static constexpr std::array<unsigned char, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::equal(kMapped.begin(), kMapped.end(), bytes.begin()) && bytes[12] == 127;
    }
    return false;
}

std::string ListenAddress::toString() const
{
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Status parseListenAddress(std::string_view text, ListenAddress& out)
{
    const auto invalid = [&](const std::string& why) {
        return Status{E_INVALIDARG, "--listen \"" + std::string(text) + "\": " + why +
                                        "; expected ADDR:PORT, e.g. 127.0.0.1:9464, [::1]:9464 or 0.0.0.0:9464"};
    };
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == text.size())
        return invalid("no port");
    std::string_view host = text.substr(0, colon);
    const std::string_view portText = text.substr(colon + 1);
    int port = -1;
    const auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || ptr != portText.data() + portText.size() || port < 0 || port > 65535)
        return invalid("the port must be a number from 0 to 65535");
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string_view::npos)
        return invalid("write an IPv6 address in brackets");
    std::string literal = host == "localhost" ? std::string("127.0.0.1") : std::string(host);
    std::array<unsigned char, 16> bytes{};
    if (inet_pton(AF_INET, literal.c_str(), bytes.data()) != 1 &&
        inet_pton(AF_INET6, literal.c_str(), bytes.data()) != 1)
        return invalid("\"" + std::string(host) + "\" is not an IP address");
    out.host = std::move(literal);
    out.port = port;
    return Status::ok();
}

Status readTokenFile(const std::string& path, std::string& token)
{
    std::ifstream in(path);
    if (!in)
        return {hresultFromWin32(kErrorFileNotFound), "cannot read the token file " + path};
    std::string line;
    std::getline(in, line);
    const auto first = line.find_first_not_of(" \t\r");
    const auto last = line.find_last_not_of(" \t\r");
    token = first == std::string::npos ? std::string() : line.substr(first, last - first + 1);
    if (token.size() < 16)
        return {E_INVALIDARG, "the token file " + path +
                                  " must hold a token of 16 characters or more on its first line (for example the "
                                  "output of `openssl rand -hex 32`)"};
    for (const char c : token)
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
            return {E_INVALIDARG, "the token in " + path + " may hold printable ASCII characters only, no spaces"};
    return Status::ok();
}

} // namespace ksscope::agent
