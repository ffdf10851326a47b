#pragma once

#include "support/stats.h"
#include "store/store.h"
#include "model/transaction.h"

#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace txpulse {

enum class Mode { Standalone, Pipeline };
enum class Role { All, Ingest, Aggregate, View };

const char *modeName(Mode m); // "standalone", "pipeline"
const char *roleName(Role r); // "all", "ingest", "aggregate", "view"

// Everything the views show, at one moment. Immutable once published; shared by pointer between the
// aggregate side (which builds one 2-4 times a second) and the UI and HTTP API (which only read).
struct Snapshot {
    std::int64_t generatedMs = 0;
    Mode mode = Mode::Standalone;
    Role role = Role::All;
    bool ready = false;                    // false until the first successful store read

    StoreView view;                        // minutes (kChartWindowMinutes), top N, latest raw, gaps
    std::vector<Transaction> latest;       // view.latest parsed, newest first (for tables)
    StatsSample stats;
    double txPerSecond = 0;                // accepted transactions per second, recent average
    QString lastError;                     // most recent pipeline error, for the status bar and /health
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

// The hand-over point between the aggregate side and the views: one writer publishes, any thread loads.
// Loading never blocks on Redis or Kafka; it copies one shared_ptr.
class SnapshotHub {
public:
    SnapshotHub() : m_current(std::make_shared<const Snapshot>()) {}
    void publish(SnapshotPtr s) { m_current.store(std::move(s), std::memory_order_release); }
    SnapshotPtr load() const { return m_current.load(std::memory_order_acquire); }

private:
    std::atomic<SnapshotPtr> m_current;
};

} // namespace txpulse
