#include "status_panel.h"

#include "format.h"

#include <QFrame>
#include <QLabel>
#include <QLocale>
#include <QStatusBar>

namespace txpulse::ui {

// "● Feed: connected" in the colour of the state.
class StatusIndicator : public QLabel {
public:
    StatusIndicator(const QString &name, QWidget *parent) : QLabel(parent), m_name(name)
    {
        setTextFormat(Qt::RichText);
        setContentsMargins(6, 0, 6, 0);
    }
    void set(ComponentState state, const Theme &theme, const QString &toolTip)
    {
        QColor colour = theme.off;
        QString text;
        switch (state) {
        case ComponentState::Connected: colour = theme.ok; text = tr("connected"); break;
        case ComponentState::Connecting: colour = theme.warn; text = tr("connecting\u2026"); break;
        case ComponentState::Reconnecting: colour = theme.warn; text = tr("reconnecting\u2026"); break;
        case ComponentState::Down: colour = theme.bad; text = tr("down"); break;
        case ComponentState::Disabled: colour = theme.off; text = tr("not used"); break;
        }
        const QString html = QStringLiteral("<span style=\"color:%1; font-size:large;\">\u25CF</span>&nbsp;%2: %3")
                                 .arg(colour.name(), m_name.toHtmlEscaped(), text);
        if (html != m_html) {
            m_html = html;
            setText(html);
        }
        setToolTip(toolTip);
    }

private:
    QString m_name;
    QString m_html;
};

namespace {

QString stateTip(const char *what, ComponentState state)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(what), QLatin1String(componentStateName(state)));
}

} // namespace

StatusPanel::StatusPanel(QStatusBar *bar) : QObject(bar)
{
    bar->setSizeGripEnabled(true);
    m_feed = new StatusIndicator(tr("Feed"), bar);
    m_kafka = new StatusIndicator(tr("Kafka"), bar);
    m_redis = new StatusIndicator(tr("Redis"), bar);
    m_rate = new QLabel(bar);
    m_rate->setContentsMargins(10, 0, 6, 0);
    m_totals = new QLabel(bar);
    m_totals->setContentsMargins(6, 0, 6, 0);
    m_modeBadge = new QLabel(bar);
    m_modeBadge->setObjectName(QStringLiteral("modeBadge"));
    auto *separator = new QFrame(bar);
    separator->setFrameShape(QFrame::VLine);
    separator->setFrameShadow(QFrame::Sunken);
    bar->addWidget(m_feed);
    bar->addWidget(m_kafka);
    bar->addWidget(m_redis);
    bar->addWidget(separator);
    bar->addWidget(m_rate);
    bar->addPermanentWidget(m_totals);
    bar->addPermanentWidget(m_modeBadge);
}

void StatusPanel::setTheme(const Theme &theme)
{
    m_theme = theme;
    m_modeBadge->setStyleSheet(QString()); // set per snapshot in showSnapshot()
}

void StatusPanel::showSnapshot(const Snapshot &s, bool utc)
{
    const StatsSample &st = s.stats;
    QString feedTip = stateTip("Feed", st.feedState);
    if (st.feedConnectedSinceMs > 0)
        feedTip += tr("\nconnected since %1").arg(formatTime(st.feedConnectedSinceMs / 1000, utc));
    feedTip += tr("\n%1 messages, %2 reconnects").arg(formatCount(st.feedMessages), formatCount(st.feedReconnects));
    m_feed->set(st.feedState, m_theme, feedTip);
    m_kafka->set(st.kafkaState, m_theme,
                 stateTip("Kafka", st.kafkaState)
                     + tr("\nproduced %1, consumed %2, lag %3")
                           .arg(formatCount(st.produced), formatCount(st.consumed),
                                st.consumerLag < 0 ? tr("unknown") : formatCount(st.consumerLag)));
    m_redis->set(st.redisState, m_theme,
                 stateTip("Redis", st.redisState)
                     + tr("\n%1 batches, last took %2 ms, %3 errors")
                           .arg(formatCount(st.storeBatches))
                           .arg(static_cast<double>(st.storeLastBatchUs) / 1000.0, 0, 'f', 1)
                           .arg(formatCount(st.storeErrors)));
    m_rate->setText(tr("%1 tx/s").arg(QLocale().toString(s.txPerSecond, 'f', 1)));
    m_totals->setText(tr("Applied %1  \u00B7  Rejected %2  \u00B7  Duplicates %3")
                          .arg(formatCount(st.applied), formatCount(st.feedRejected), formatCount(st.duplicates)));
    m_totals->setToolTip(tr("Late (older than 3 hours): %1\nDropped: %2\nSpooled: %3")
                             .arg(formatCount(st.late), formatCount(st.dropped), formatCount(st.spooled)));

    const bool pipeline = s.mode == Mode::Pipeline;
    QString badge = QString::fromLatin1(modeName(s.mode)).toUpper();
    if (s.role != Role::All)
        badge += QStringLiteral(" \u00B7 ") + QString::fromLatin1(roleName(s.role)).toUpper();
    if (m_modeBadge->text() != badge) {
        m_modeBadge->setText(badge);
        m_modeBadge->setToolTip(pipeline ? tr("Pipeline: feed \u2192 Kafka \u2192 Redis")
                                         : tr("Standalone: no Kafka or Redis, aggregates in memory"));
        m_modeBadge->setStyleSheet(
            QStringLiteral("QLabel { background: %1; color: %2; border-radius: 9px; padding: 2px 10px; "
                           "font-size: 8pt; font-weight: 700; }")
                .arg(pipeline ? QStringLiteral("#0d9488") : QStringLiteral("#f59e0b"),
                     pipeline ? QStringLiteral("white") : QStringLiteral("#1f2937")));
    }
}

} // namespace txpulse::ui
