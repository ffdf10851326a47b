#include "minute_chart.h"

#include "axis_scale.h"
#include "format.h"

#include <QLocale>
#include <QBarLegendMarker>
#include <QBarSet>
#include <QLegend>
#include <QCategoryAxis>
#include <QDateTime>
#include <QGraphicsLayout>
#include <QStackedBarSeries>
#include <QTimeZone>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>

namespace txpulse::ui {

namespace {

// Above this many changed values a bulk reload is cheaper than replace() per bar (each one relayouts).
constexpr int kMaxInPlaceReplacements = 12;

int minuteOfHour(std::int64_t unixMinute, bool utc)
{
    const QDateTime t = utc ? QDateTime::fromSecsSinceEpoch(unixMinute * 60, QTimeZone::utc())
                            : QDateTime::fromSecsSinceEpoch(unixMinute * 60);
    return t.time().minute();
}

} // namespace

MinuteChart::MinuteChart(QWidget *parent) : QChartView(parent)
{
    m_chart = new QChart;
    m_series = new QStackedBarSeries;
    m_complete = new QBarSet(tr("Transactions per minute"));
    m_partial = new QBarSet(tr("Current minute (still counting)"));
    m_gap = new QBarSet(tr("Feed gap (no data)"));
    m_beforeStart = new QBarSet(tr("Before start (no data yet)"));
    m_series->append(QList<QBarSet *>{m_complete, m_partial, m_gap, m_beforeStart});
    m_series->setBarWidth(0.8);
    m_chart->addSeries(m_series);

    m_x = new QCategoryAxis;
    m_x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_y = new QValueAxis;
    const AxisScale initial = countAxisScale(0);
    m_y->setLabelFormat(axisLabelFormat(1)); // counts: whole numbers, localized by styleChart()
    m_y->setRange(0, initial.top);
    m_y->setTickCount(initial.tickCount);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_series->attachAxis(m_x);
    m_series->attachAxis(m_y);
    m_chart->legend()->setAlignment(Qt::AlignTop);

    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    setFrameShape(QFrame::NoFrame);
    setMinimumHeight(220);

    connect(m_series, &QStackedBarSeries::hovered, this,
            [this](bool status, int index, QBarSet *) { showTooltip(status, index); });
    setTheme(Theme::forPalette(palette()));
}

int MinuteChart::barCount() const
{
    return static_cast<int>(m_complete->count());
}

void MinuteChart::setBarValues(QBarSet *set, const std::vector<qreal> &values)
{
    const auto n = static_cast<qsizetype>(values.size());
    int changed = 0;
    if (set->count() == n) {
        for (qsizetype i = 0; i < n && changed <= kMaxInPlaceReplacements; ++i)
            changed += set->at(i) != values[static_cast<std::size_t>(i)];
        if (changed == 0)
            return;
    }
    if (set->count() != n || changed > kMaxInPlaceReplacements) {
        set->remove(0, set->count());
        set->append(QList<qreal>(values.begin(), values.end()));
        return;
    }
    for (qsizetype i = 0; i < n; ++i)
        if (set->at(i) != values[static_cast<std::size_t>(i)])
            set->replace(i, values[static_cast<std::size_t>(i)]);
}

void MinuteChart::setPoints(std::vector<MinutePoint> points, bool utc)
{
    m_points = std::move(points);
    m_utc = utc;
    const std::size_t n = m_points.size();

    std::int64_t peak = 0;
    for (const MinutePoint &p : m_points)
        peak = std::max(peak, p.count);
    const AxisScale scale = countAxisScale(peak);
    const qreal top = scale.top;
    if (m_y->max() != top || m_y->tickCount() != scale.tickCount) {
        m_y->setRange(0, top);
        m_y->setTickCount(scale.tickCount);
    }

    std::vector<qreal> complete(n), partial(n), gap(n), beforeStart(n);
    bool anyGap = false, anyBeforeStart = false;
    for (std::size_t i = 0; i < n; ++i) {
        const MinutePoint &p = m_points[i];
        complete[i] = !p.gap && !p.partial ? static_cast<qreal>(p.count) : 0;
        partial[i] = !p.gap && p.partial ? static_cast<qreal>(p.count) : 0;
        gap[i] = p.gap && !p.beforeStart ? top : 0;
        beforeStart[i] = p.gap && p.beforeStart ? top : 0;
        anyGap |= p.gap && !p.beforeStart;
        anyBeforeStart |= p.beforeStart;
    }
    setBarValues(m_complete, complete);
    setBarValues(m_partial, partial);
    setBarValues(m_gap, gap);
    setBarValues(m_beforeStart, beforeStart);
    showLegendEntry(m_gap, anyGap);
    showLegendEntry(m_beforeStart, anyBeforeStart);
    m_x->setRange(-0.5, static_cast<qreal>(n) - 0.5);

    updateAxisLabels();
}

void MinuteChart::updateAxisLabels()
{
    const std::int64_t first = m_points.empty() ? -1 : m_points.front().minute;
    const int count = static_cast<int>(m_points.size());
    if (first == m_labelsFirst && count == m_labelsCount && m_utc == m_labelsUtc)
        return;
    m_labelsFirst = first;
    m_labelsCount = count;
    m_labelsUtc = m_utc;

    const QStringList old = m_x->categoriesLabels();
    for (const QString &label : old)
        m_x->remove(label);
    m_x->setStartValue(-0.5);
    const int step = count <= 60 ? 10 : 30;
    for (int i = 0; i < count; ++i) {
        const std::int64_t minute = m_points[static_cast<std::size_t>(i)].minute;
        if (minuteOfHour(minute, m_utc) % step == 0)
            m_x->append(formatMinute(minute, m_utc), i - 0.5);
    }
}

void MinuteChart::showLegendEntry(QBarSet *set, bool visible)
{
    const QList<QLegendMarker *> markers = m_chart->legend()->markers(m_series);
    for (QLegendMarker *marker : markers) {
        auto *barMarker = qobject_cast<QBarLegendMarker *>(marker);
        if (barMarker && barMarker->barset() == set && barMarker->isVisible() != visible) {
            barMarker->setVisible(visible);
            // Qt Charts 6.4 keeps the old legend layout otherwise: a hole, or markers drawn over each other.
            m_chart->legend()->layout()->invalidate();
        }
    }
}

bool MinuteChart::legendShows(const QString &label) const
{
    const QList<QLegendMarker *> markers = m_chart->legend()->markers(m_series);
    return std::any_of(markers.begin(), markers.end(),
                       [&label](const QLegendMarker *m) { return m->isVisible() && m->label() == label; });
}

QString MinuteChart::tooltipFor(int index) const
{
    if (index < 0 || index >= static_cast<int>(m_points.size()))
        return {};
    const MinutePoint &p = m_points[static_cast<std::size_t>(index)];
    const QString span = formatMinute(p.minute, m_utc) % QStringLiteral("\u2013") % formatMinute(p.minute + 1, m_utc)
        % (m_utc ? QStringLiteral(" UTC") : QString());
    if (p.beforeStart)
        return tr("%1\nNo data yet: before txpulse started").arg(span);
    if (p.gap)
        return tr("%1\nFeed gap: no data for this minute").arg(span);
    const QString count = QLocale().toString(static_cast<qlonglong>(p.count));
    if (p.partial)
        return tr("%1 (current minute)\n%2 transactions so far").arg(span, count);
    return tr("%1\n%2 transactions").arg(span, count);
}

void MinuteChart::showTooltip(bool status, int index)
{
    if (status)
        QToolTip::showText(QCursor::pos(), tooltipFor(index), this);
    else
        QToolTip::hideText();
}

void MinuteChart::setTheme(const Theme &theme)
{
    m_theme = theme;
    styleChart(m_chart, theme);
    m_complete->setBrush(theme.accent);
    m_complete->setPen(Qt::NoPen);
    m_partial->setBrush(theme.accentPartial);
    m_partial->setPen(QPen(theme.accent, 1));
    m_gap->setBrush(QBrush(theme.gap, Qt::BDiagPattern));
    m_gap->setPen(Qt::NoPen);
    m_beforeStart->setBrush(QBrush(theme.beforeStart, Qt::BDiagPattern));
    m_beforeStart->setPen(Qt::NoPen);
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(m_x), static_cast<QAbstractAxis *>(m_y)}) {
        axis->setGridLineColor(theme.grid);
        axis->setLinePenColor(theme.grid);
        axis->setLabelsColor(theme.text);
        QFont f = axis->labelsFont();
        f.setPointSizeF(9);
        axis->setLabelsFont(f);
    }
    m_y->setMinorGridLineVisible(false);
}

} // namespace txpulse::ui
