#include "activity_page.h"

#include "format.h"
#include "minute_chart.h"
#include "minute_series.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QToolButton>
#include <QVBoxLayout>

namespace txpulse::ui {

ActivityPage::ActivityPage(QWidget *parent)
    : Page({tr("Activity"), tr("&Activity"), tr("Transactions per Minute\u2026"), CsvView::Minutes}, parent)
{
    QVBoxLayout *layout = createPageLayout();
    auto *header = new QHBoxLayout;
    const Titles titles = createTitles(tr("Transactions per minute"));
    m_summary = titles.summary;
    header->addLayout(titles.layout, 1);
    m_span60 = new QToolButton(this);
    m_span60->setText(tr("1 hour"));
    m_span180 = new QToolButton(this);
    m_span180->setText(tr("3 hours"));
    auto *spanGroup = new QButtonGroup(this);
    for (QToolButton *b : {m_span60, m_span180}) {
        b->setCheckable(true);
        b->setObjectName(QStringLiteral("segment"));
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        spanGroup->addButton(b);
        header->addWidget(b);
    }
    m_span60->setChecked(true);
    header->addSpacing(12);
    m_utcBox = new QCheckBox(tr("UTC"), this);
    m_utcBox->setToolTip(tr("Show times in UTC instead of local time"));
    header->addWidget(m_utcBox);
    layout->addLayout(header);
    m_chart = new MinuteChart(this);
    layout->addWidget(m_chart, 1);
    connect(m_span180, &QToolButton::toggled, this, &ActivityPage::threeHoursChosen);
    connect(m_utcBox, &QCheckBox::toggled, this, &ActivityPage::utcChosen);
}

void ActivityPage::setViewOptions(const ViewOptions &options)
{
    const QSignalBlocker b1(m_span60), b2(m_span180), b3(m_utcBox);
    m_span60->setChecked(!options.threeHours);
    m_span180->setChecked(options.threeHours);
    m_utcBox->setChecked(options.utc);
}

void ActivityPage::setTheme(const Theme &theme)
{
    m_chart->setTheme(theme);
}

void ActivityPage::showSnapshot(const SnapshotPtr &snapshot, const ViewOptions &options, bool current)
{
    std::vector<MinutePoint> points = minuteSeries(snapshot->view, options.minutes());
    // A standalone store starts empty with this process: its first view's time is when data began.
    if (m_startMinute < 0 && snapshot->ready && snapshot->mode == Mode::Standalone)
        m_startMinute = snapshot->view.nowMs / 60'000;
    if (m_startMinute >= 0)
        markBeforeStart(points, m_startMinute);
    if (current || m_chart->points().size() != points.size())
        m_chart->setPoints(points, options.utc);
    updateSummary(*snapshot, points, options.utc);
}

void ActivityPage::updateSummary(const Snapshot &s, const std::vector<MinutePoint> &points, bool utc)
{
    if (!s.ready) {
        m_summary->setText(waitingText());
        return;
    }
    const QString zone = utc ? tr(" UTC") : QString();
    const MinuteSummary span = summarize(points);
    const int spanMinutes = static_cast<int>(points.size());
    QString line = tr("%1 transactions in the last %2")
                       .arg(formatCount(span.total), spanMinutes > 60 ? tr("3 hours") : tr("hour"));
    if (span.peak > 0)
        line += tr("  \u00B7  peak %1/min at %2%3  \u00B7  average %4/min")
                    .arg(formatCount(span.peak), formatMinute(span.peakMinute, utc), zone)
                    .arg(QLocale().toString(span.average, 'f', 0));
    if (span.beforeStartMinutes > 0)
        line += tr("  \u00B7  no data for the %n minute(s) before txpulse started", nullptr, span.beforeStartMinutes);
    if (span.gapMinutes > 0)
        line += tr("  \u00B7  %n minute(s) without data (feed gap)", nullptr, span.gapMinutes);
    m_summary->setText(line);
}

} // namespace txpulse::ui
