#include "summary_cards.h"

#include "format.h"
#include "minute_series.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

namespace txpulse::ui {

// A dashboard tile: a caption, a large value and a line of detail.
class StatCard : public QFrame {
public:
    StatCard(const QString &caption, QWidget *parent) : QFrame(parent)
    {
        setObjectName(QStringLiteral("statCard"));
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(14, 10, 14, 10);
        layout->setSpacing(2);
        m_caption = new QLabel(caption.toUpper(), this);
        m_caption->setObjectName(QStringLiteral("statCaption"));
        m_value = new QLabel(QStringLiteral("\u2014"), this);
        m_value->setObjectName(QStringLiteral("statValue"));
        m_detail = new QLabel(this);
        m_detail->setObjectName(QStringLiteral("statDetail"));
        layout->addWidget(m_caption);
        layout->addWidget(m_value);
        layout->addWidget(m_detail);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    void set(const QString &value, const QString &detail)
    {
        if (m_value->text() != value)
            m_value->setText(value);
        if (m_detail->text() != detail)
            m_detail->setText(detail);
    }

private:
    QLabel *m_caption;
    QLabel *m_value;
    QLabel *m_detail;
};

SummaryCards::SummaryCards(QWidget *parent) : QWidget(parent)
{
    auto *cards = new QHBoxLayout(this);
    cards->setContentsMargins(0, 0, 0, 0);
    cards->setSpacing(10);
    m_rate = new StatCard(tr("Rate"), this);
    m_minute = new StatCard(tr("This minute"), this);
    m_hour = new StatCard(tr("Last 60 minutes"), this);
    m_addresses = new StatCard(tr("Addresses, 3 hours"), this);
    for (StatCard *card : {m_rate, m_minute, m_hour, m_addresses})
        cards->addWidget(card);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed); // as tall as the tiles: the pages take the rest
}

SummaryCards::~SummaryCards() = default;

void SummaryCards::showSnapshot(const Snapshot &s)
{
    if (!s.ready) {
        m_rate->set(QStringLiteral("\u2014"), tr("transactions per second"));
        m_minute->set(QStringLiteral("\u2014"), QString());
        m_hour->set(QStringLiteral("\u2014"), QString());
        m_addresses->set(QStringLiteral("\u2014"), QString());
        return;
    }
    const auto hourPoints = minuteSeries(s.view, kCountWindowMinutes);
    const MinuteSummary hour = summarize(hourPoints);
    m_rate->set(tr("%1 tx/s").arg(QLocale().toString(s.txPerSecond, 'f', s.txPerSecond < 10 ? 2 : 1)),
                tr("recent average"));
    if (!hourPoints.empty()) {
        const std::int64_t now = hourPoints.back().count;
        const MinutePoint *previous = hourPoints.size() > 1 ? &hourPoints[hourPoints.size() - 2] : nullptr;
        m_minute->set(formatCount(now),
                      previous && !previous->gap
                          ? tr("still counting \u00B7 previous minute %1").arg(formatCount(previous->count))
                          : tr("still counting"));
    }
    m_hour->set(formatCount(hour.total),
                hour.peak > 0 ? tr("transactions \u00B7 peak %1/min").arg(formatCount(hour.peak)) : tr("transactions"));
    m_addresses->set(formatCount(s.view.rankedAddresses),
                     tr("%1 BTC received").arg(formatBtcShort(s.view.rankedSatoshis)));
}

} // namespace txpulse::ui
