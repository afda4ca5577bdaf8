// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A thin RAII layer over the SQLite C API for the recording files: a connection, prepared statements,
// and failures turned into Status with the file named.

#include "ksscope/hresult.h"

#include <cstdint>
#include <sqlite3.h>
#include <string>
#include <string_view>

namespace ksscope::recording {

/// The HRESULT a SQLite result code maps to (a full disk, a read-only file, a damaged file, ...).
HRESULT hresultForSqlite(int code);
/// "the disk is full", "the file is damaged", ... for a SQLite result code; empty when there is nothing to add.
std::string adviceForSqlite(int code);

class Connection {
public:
    Connection() = default;
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// sqlite3_open_v2 with \a flags; the Status names \a path and what went wrong.
    Status open(const std::string& path, int flags);
    void close();
    [[nodiscard]] sqlite3* get() const { return m_db; }
    [[nodiscard]] const std::string& path() const { return m_path; }

    /// Runs SQL that returns no rows.
    Status exec(const char* sql, std::string_view what);
    /// A Status for the last failure of this connection: "<what>: <sqlite message> (<advice>)".
    [[nodiscard]] Status error(int code, std::string_view what) const;

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
};

class Statement {
public:
    Statement() = default;
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Status prepare(Connection& db, const char* sql, std::string_view what);
    void finalize();
    [[nodiscard]] bool valid() const { return m_stmt != nullptr; }

    void reset();
    void bind(int index, std::int64_t value) { sqlite3_bind_int64(m_stmt, index, value); }
    void bind(int index, std::string_view text)
    {
        sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    /// SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(m_stmt); }
    /// step() for a statement that returns no rows: SQLITE_DONE is success.
    Status run(std::string_view what);

    [[nodiscard]] bool isInteger(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_INTEGER; }
    [[nodiscard]] bool isText(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_TEXT; }
    [[nodiscard]] std::int64_t integer(int column) const { return sqlite3_column_int64(m_stmt, column); }
    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] Status error(int code, std::string_view what) const { return m_db->error(code, what); }

private:
    Connection* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
};

} // namespace ksscope::recording
