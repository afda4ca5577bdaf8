// SPDX-License-Identifier: GPL-3.0-or-later
#include "located_json.h"

#include <algorithm>
#include <iterator>
#include <vector>

namespace ksscope::detail {

namespace {

// An input iterator that tells the SAX handler how far the lexer has read.
class CountingIterator {
public:
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    CountingIterator() = default;
    CountingIterator(const char* p, std::size_t* consumed) : m_p(p), m_consumed(consumed) { }
    reference operator*() const { return *m_p; }
    CountingIterator& operator++()
    {
        ++m_p;
        if (m_consumed)
            ++*m_consumed;
        return *this;
    }
    CountingIterator operator++(int)
    {
        auto copy = *this;
        ++*this;
        return copy;
    }
    friend bool operator==(const CountingIterator& a, const CountingIterator& b) { return a.m_p == b.m_p; }

private:
    const char* m_p = nullptr;
    std::size_t* m_consumed = nullptr;
};

class LocatingSax {
public:
    using json = nlohmann::json;
    using number_integer_t = json::number_integer_t;
    using number_unsigned_t = json::number_unsigned_t;
    using number_float_t = json::number_float_t;
    using string_t = json::string_t;
    using binary_t = json::binary_t;

    LocatingSax(std::string_view text, std::size_t* consumed, LocatedJson& out)
        : m_text(text), m_consumed(consumed), m_out(out)
    {
        // line starts, for position -> line
        m_lineStarts.push_back(0);
        for (std::size_t i = 0; i < text.size(); ++i)
            if (text[i] == '\n')
                m_lineStarts.push_back(i + 1);
    }

    bool null() { return value(json(nullptr)); }
    bool boolean(bool v) { return value(json(v)); }
    bool number_integer(number_integer_t v) { return value(json(v)); }
    bool number_unsigned(number_unsigned_t v) { return value(json(v)); }
    bool number_float(number_float_t v, const string_t&) { return value(json(v)); }
    bool string(string_t& v) { return value(json(v)); }
    bool binary(binary_t& v) { return value(json::binary(v)); }
    bool start_object(std::size_t) { return open(json::object()); }
    bool start_array(std::size_t) { return open(json::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool key(string_t& k)
    {
        m_key = k;
        m_keyLine = currentLine();
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex)
    {
        m_out.ok = false;
        m_out.errorLine = lineAt(position > 0 ? position - 1 : 0);
        std::string what = ex.what();
        // drop the library's "[json.exception.parse_error.101] parse error at line L, column C: " prefix
        if (auto colon = what.find(": "); what.rfind("[json.exception", 0) == 0 && colon != std::string::npos)
            what = what.substr(colon + 2);
        m_out.error = what;
        return false;
    }

private:
    struct Frame {
        json* node;
        std::string path;
        std::size_t index = 0;
    };

    [[nodiscard]] int lineAt(std::size_t pos) const
    {
        auto it = std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), pos);
        return static_cast<int>(std::distance(m_lineStarts.begin(), it));
    }
    [[nodiscard]] int currentLine() const { return lineAt(*m_consumed > 0 ? *m_consumed - 1 : 0); }

    // where the next value goes: its path and its slot
    std::pair<std::string, json*> slot(json&& v, int& line)
    {
        if (m_stack.empty()) {
            m_out.root = std::move(v);
            line = currentLine();
            return {"", &m_out.root};
        }
        Frame& top = m_stack.back();
        if (top.node->is_array()) {
            std::string path = top.path + "[" + std::to_string(top.index++) + "]";
            top.node->push_back(std::move(v));
            line = currentLine();
            return {path, &top.node->back()};
        }
        std::string path = top.path.empty() ? m_key : top.path + "." + m_key;
        json& ref = (*top.node)[m_key];
        ref = std::move(v);
        line = m_keyLine;
        return {path, &ref};
    }

    bool value(json&& v)
    {
        int line = 0;
        auto [path, node] = slot(std::move(v), line);
        m_out.lines[path] = line;
        return true;
    }
    bool open(json&& v)
    {
        if (m_stack.size() >= kMaxLocatedJsonDepth) {
            // every level adds to the path of each value below it: refuse before the cost grows with the square
            m_out.ok = false;
            m_out.tooDeep = true;
            m_out.errorLine = currentLine();
            m_out.error = "objects and arrays nested more than " + std::to_string(kMaxLocatedJsonDepth) +
                          " levels deep (at byte " + std::to_string(*m_consumed) + ")" + "; a scenario needs a handful";
            return false;
        }
        int line = 0;
        auto [path, node] = slot(std::move(v), line);
        m_out.lines[path] = line;
        m_stack.push_back({node, path});
        return true;
    }
    bool close()
    {
        m_stack.pop_back();
        return true;
    }

    std::string_view m_text;
    std::size_t* m_consumed;
    LocatedJson& m_out;
    std::vector<std::size_t> m_lineStarts;
    std::vector<Frame> m_stack;
    std::string m_key;
    int m_keyLine = 0;
};

} // namespace

LocatedJson parseLocatedJson(std::string_view text)
{
    LocatedJson out;
    std::size_t consumed = 0;
    LocatingSax sax(text, &consumed, out);
    CountingIterator first(text.data(), &consumed);
    CountingIterator last(text.data() + text.size(), nullptr);
    const bool ok = nlohmann::json::sax_parse(first, last, &sax);
    if (!ok && out.ok) {
        out.ok = false;
        out.error = "malformed JSON";
    }
    return out;
}

} // namespace ksscope::detail
