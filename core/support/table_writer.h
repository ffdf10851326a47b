#pragma once

#include <QByteArray>

#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

namespace txpulse {

// One CSV writer for every table, used by the REST API (?format=csv) and by the window's export alike, so
// that the same snapshot gives the same bytes. A table is a list of columns, each a header and a cell
// formatter over one row; writeCsv() emits RFC 4180: a header row, CRLF line ends, a field quoted only when
// it holds a comma, a double quote, CR or LF, inner quotes doubled. Pure values and functions, any thread.

template <typename Row>
struct TableColumn {
    const char *header;
    std::function<QByteArray(const Row &row, std::size_t index)> cell; // index: 0-based position of the row
};

template <typename Row>
using Table = std::vector<TableColumn<Row>>;

void appendCsvField(QByteArray &out, std::string_view field);

// "a,b,c": the header row without its line end (also what the OpenAPI document shows for a CSV body).
template <typename Row>
QByteArray csvHeader(const Table<Row> &table)
{
    QByteArray out;
    for (std::size_t c = 0; c < table.size(); ++c) {
        if (c)
            out += ',';
        appendCsvField(out, table[c].header);
    }
    return out;
}

// The header row, then at most `limit` rows of `rows` in their order.
template <typename Row, typename Rows>
QByteArray writeCsv(const Table<Row> &table, const Rows &rows,
                    std::size_t limit = std::numeric_limits<std::size_t>::max())
{
    QByteArray out = csvHeader(table) + "\r\n";
    std::size_t index = 0;
    for (const Row &row : rows) {
        if (index >= limit)
            break;
        for (std::size_t c = 0; c < table.size(); ++c) {
            if (c)
                out += ',';
            const QByteArray cell = table[c].cell(row, index);
            appendCsvField(out, std::string_view(cell.constData(), static_cast<std::size_t>(cell.size())));
        }
        out += "\r\n";
        ++index;
    }
    return out;
}

// Cell formatters shared by the tables and the window.
QByteArray btcText(std::int64_t satoshis);                // exact, 8 decimals: "1.00000000", "-0.00000042"
QByteArray isoTimeText(std::int64_t unixSeconds, bool utc); // "2026-11-28T12:00:00Z", or local with its offset
double sharePercent(std::int64_t satoshis, std::int64_t total); // 0 when total is not positive

} // namespace txpulse
