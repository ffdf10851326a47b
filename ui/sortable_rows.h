#pragma once

#include <QVariant>

#include <algorithm>
#include <functional>
#include <numeric>
#include <vector>

namespace txpulse::ui {

// The row order of a sortable table model: a permutation of the source rows, kept when the data is
// replaced on the next snapshot. `key(row, column)` returns the value to sort by (numbers as numbers).
class SortableRows {
public:
    using Key = std::function<QVariant(int row, int column)>;

    int column() const { return m_column; }
    Qt::SortOrder order() const { return m_order; }
    void setSort(int column, Qt::SortOrder order)
    {
        m_column = column;
        m_order = order;
    }

    void rebuild(int rows, const Key &key)
    {
        m_rows.resize(static_cast<std::size_t>(rows));
        std::iota(m_rows.begin(), m_rows.end(), 0);
        if (m_column < 0)
            return;
        std::vector<QVariant> keys(static_cast<std::size_t>(rows));
        for (int r = 0; r < rows; ++r)
            keys[static_cast<std::size_t>(r)] = key(r, m_column);
        std::stable_sort(m_rows.begin(), m_rows.end(), [&](int a, int b) {
            const QVariant &ka = keys[static_cast<std::size_t>(a)];
            const QVariant &kb = keys[static_cast<std::size_t>(b)];
            const auto c = QVariant::compare(ka, kb);
            return m_order == Qt::AscendingOrder ? c == QPartialOrdering::Less : c == QPartialOrdering::Greater;
        });
    }

    int source(int row) const { return m_rows[static_cast<std::size_t>(row)]; }
    int size() const { return static_cast<int>(m_rows.size()); }

private:
    std::vector<int> m_rows;
    int m_column = -1; // -1: source order
    Qt::SortOrder m_order = Qt::AscendingOrder;
};

} // namespace txpulse::ui
