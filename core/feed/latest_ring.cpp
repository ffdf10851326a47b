#include "feed/latest_ring.h"

#include <algorithm>
#include <string_view>

namespace txpulse {

LatestRing::LatestRing(std::size_t capacity) : m_capacity(capacity) {}

void LatestRing::add(const std::vector<Transaction> &arrived)
{
    if (m_capacity == 0)
        return;
    // First the decisions, on hashes only: which transactions are new (not listed, not earlier in this batch).
    std::vector<std::size_t> fresh;
    fresh.reserve(arrived.size());
    std::unordered_set<std::string_view> inBatch;
    inBatch.reserve(arrived.size());
    for (std::size_t i = 0; i < arrived.size(); ++i) {
        const std::string &hash = arrived[i].hash;
        if (m_hashes.count(hash) == 0 && inBatch.insert(hash).second)
            fresh.push_back(i);
    }
    // Then copies of the newest of them only: a 512-transaction batch copies at most `capacity`.
    const std::size_t keep = std::min(fresh.size(), m_capacity);
    while (!m_items.empty() && m_items.size() + keep > m_capacity) {
        m_hashes.erase(m_items.front().hash);
        m_items.pop_front();
    }
    for (std::size_t k = fresh.size() - keep; k < fresh.size(); ++k) {
        m_items.push_back(arrived[fresh[k]]);
        m_hashes.insert(m_items.back().hash);
    }
}

std::vector<Transaction> LatestRing::newestFirst() const
{
    return std::vector<Transaction>(m_items.rbegin(), m_items.rend());
}

std::vector<QByteArray> LatestRing::rawNewestFirst() const
{
    std::vector<QByteArray> raws;
    raws.reserve(m_items.size());
    for (auto it = m_items.rbegin(); it != m_items.rend(); ++it)
        raws.push_back(it->raw);
    return raws;
}

} // namespace txpulse
