#pragma once

#include "store/snapshot.h"

#include <QWidget>

namespace txpulse::ui {

class StatCard;

// The dashboard tiles above the pages, the same on every page: the rate, the current minute, the last 60
// minutes and the 3-hour address ranking, each a caption, a large value and a line of detail. GUI thread.
class SummaryCards : public QWidget {
    Q_OBJECT

public:
    explicit SummaryCards(QWidget *parent = nullptr);
    ~SummaryCards() override;

    void showSnapshot(const Snapshot &s);

private:
    StatCard *m_rate = nullptr;
    StatCard *m_minute = nullptr;
    StatCard *m_hour = nullptr;
    StatCard *m_addresses = nullptr;
};

} // namespace txpulse::ui
