#pragma once

#include "minute_series.h"
#include "theme.h"

#include <QChartView>

class QBarSet;
class QCategoryAxis;
class QStackedBarSeries;
class QValueAxis;

namespace txpulse::ui {

// Transactions per minute as bars on a time-of-day axis. Four stacked bar sets share the x positions:
// complete minutes, the current partial minute (lighter), feed gaps (an amber hatched full-height band, so
// a gap never reads as zero) and minutes before a standalone start (a grey hatch: no data yet). A legend
// entry shows only while its kind of bar is on the chart. Values are replaced in place when they change; the bar count only changes
// when the span does (60 or 180 minutes). Hovering a bar shows its minute and exact count. GUI thread.
class MinuteChart : public QChartView {
    Q_OBJECT

public:
    explicit MinuteChart(QWidget *parent = nullptr);

    void setPoints(std::vector<MinutePoint> points, bool utc);
    void setTheme(const Theme &theme);

    const std::vector<MinutePoint> &points() const { return m_points; }
    int barCount() const;       // bars in the series (for tests)
    QString tooltipFor(int index) const;
    bool legendShows(const QString &label) const; // a visible legend entry with this text (for tests)

private:
    void setBarValues(QBarSet *set, const std::vector<qreal> &values);
    void updateAxisLabels();
    void showLegendEntry(QBarSet *set, bool visible);
    void showTooltip(bool status, int index);

    QChart *m_chart = nullptr;
    QStackedBarSeries *m_series = nullptr;
    QBarSet *m_complete = nullptr;
    QBarSet *m_partial = nullptr;
    QBarSet *m_gap = nullptr;
    QBarSet *m_beforeStart = nullptr;
    QCategoryAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    Theme m_theme;
    std::vector<MinutePoint> m_points;
    bool m_utc = false;
    std::int64_t m_labelsFirst = -1;
    int m_labelsCount = -1;
    bool m_labelsUtc = false;
};

} // namespace txpulse::ui
