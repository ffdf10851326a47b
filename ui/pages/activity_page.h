#pragma once

#include "minute_series.h"
#include "page.h"

class QCheckBox;
class QToolButton;

namespace txpulse::ui {

class MinuteChart;

// Activity: transactions per minute over the last hour or 3 hours, with its summary line (total, peak,
// average, gaps), the span buttons and the UTC box. Its CSV is the per-minute counts; Edit > Copy copies that
// CSV, as the page has no rows to select. A standalone store knows nothing from before this process
// started: the page notes the first ready standalone snapshot's minute and marks the earlier gaps as
// "before start". GUI thread.
class ActivityPage : public Page {
    Q_OBJECT

public:
    explicit ActivityPage(QWidget *parent = nullptr);

    void showSnapshot(const SnapshotPtr &snapshot, const ViewOptions &options, bool current) override;
    void setViewOptions(const ViewOptions &options) override;
    void setTheme(const Theme &theme) override;
    bool copiesCsvWithoutSelection() const override { return true; }

    MinuteChart *chart() const { return m_chart; }

Q_SIGNALS:
    // The user chose a span or the time zone on this page; the window applies it to every page.
    void threeHoursChosen(bool threeHours);
    void utcChosen(bool utc);

private:
    void updateSummary(const Snapshot &s, const std::vector<MinutePoint> &points, bool utc);

    MinuteChart *m_chart = nullptr;
    QLabel *m_summary = nullptr;
    QToolButton *m_span60 = nullptr;
    QToolButton *m_span180 = nullptr;
    QCheckBox *m_utcBox = nullptr;
    // Standalone: the Unix minute the store began; earlier gaps are "before start", not feed gaps.
    std::int64_t m_startMinute = -1;
};

} // namespace txpulse::ui
