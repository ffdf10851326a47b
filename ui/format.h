#pragma once

#include "support/table_writer.h"

#include <QString>

#include <cstdint>
#include <string>

namespace txpulse::ui {

// Text formatting shared by the tables, charts and CSV export. Pure functions, any thread.

// Exact decimal rendering of satoshis as BTC with 8 decimals ("1.00000000", "-0.00000042"); no rounding.
QString formatBtc(std::int64_t satoshis);
// "HH:mm" of a Unix minute, in UTC or local time.
QString formatMinute(std::int64_t unixMinute, bool utc);
// "yyyy-MM-dd HH:mm:ss" of Unix seconds, in UTC or local time.
QString formatTime(std::int64_t unixSeconds, bool utc);
// ISO 8601 of Unix seconds: "2026-11-28T12:00:00Z" in UTC, with the UTC offset in local time.
QString isoTime(std::int64_t unixSeconds, bool utc);
// A short, still recognisable form of a long address or hash: "bc1qxy2kgd…fjhx0wlh".
QString shortIdentifier(const std::string &text, int head = 10, int tail = 6);
// satoshis / total as a percentage; 0 when total is not positive (shared with the CSV tables).
using txpulse::sharePercent;

} // namespace txpulse::ui
