// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlite_db.h"

#include <cerrno>

namespace ksscope::recording {

HRESULT hresultForSqlite(int code)
{
    switch (code & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return S_OK;
    case SQLITE_FULL:
        return hresultFromWin32(kErrorDiskFull);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return hresultFromWin32(kErrorAccessDenied);
    case SQLITE_CANTOPEN:
        return hresultFromWin32(kErrorPathNotFound);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT:
        return hresultFromWin32(kErrorFileCorrupt);
    case SQLITE_NOMEM:
        return E_OUTOFMEMORY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return hresultFromWin32(kErrorBusy);
    default:
        return E_FAIL;
    }
}

std::string adviceForSqlite(int code)
{
    switch (code & 0xff) {
    case SQLITE_FULL:
        return "the disk is full: free some space or record to another disk";
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return "the file or its folder is read-only: record to a folder you can write to";
    case SQLITE_CANTOPEN:
        return "check that the folder exists and that you may write to it";
    case SQLITE_NOTADB:
        return "this is not an SQLite file";
    case SQLITE_CORRUPT:
        return "the file is damaged; `sqlite3 FILE .recover` may rescue what is left";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "another program has the file locked";
    case SQLITE_IOERR:
        return "the system could not read or write the file (a full disk or a failing device)";
    default:
        return {};
    }
}

Connection::~Connection()
{
    close();
}

Status Connection::open(const std::string& path, int flags)
{
    close();
    m_path = path;
    const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Status status = error(rc, "cannot open");
        close();
        return status;
    }
    sqlite3_extended_result_codes(m_db, 1);
    return Status::ok();
}

void Connection::close()
{
    if (m_db)
        sqlite3_close_v2(m_db);
    m_db = nullptr;
}

Status Connection::exec(const char* sql, std::string_view what)
{
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::ok() : error(rc, what);
}

Status Connection::error(int code, std::string_view what) const
{
    std::string message = std::string(what) + " " + m_path + ": ";
    message += m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(code);
    if (m_db) {
        if (const int sys = sqlite3_system_errno(m_db); sys != 0 && (code & 0xff) != SQLITE_FULL)
            message += " (" + errnoMessage(sys) + ")";
    }
    if (const std::string advice = adviceForSqlite(code); !advice.empty())
        message += "; " + advice;
    return {hresultForSqlite(code), message};
}

Statement::~Statement()
{
    finalize();
}

Status Statement::prepare(Connection& db, const char* sql, std::string_view what)
{
    finalize();
    m_db = &db;
    const int rc = sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr);
    return rc == SQLITE_OK ? Status::ok() : db.error(rc, what);
}

void Statement::finalize()
{
    if (m_stmt)
        sqlite3_finalize(m_stmt);
    m_stmt = nullptr;
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

Status Statement::run(std::string_view what)
{
    const int rc = step();
    sqlite3_reset(m_stmt);
    return rc == SQLITE_DONE ? Status::ok() : m_db->error(rc, what);
}

std::string Statement::text(int column) const
{
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

} // namespace ksscope::recording
