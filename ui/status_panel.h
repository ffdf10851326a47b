#pragma once

#include "store/snapshot.h"
#include "theme.h"

#include <QObject>

class QLabel;
class QStatusBar;

namespace txpulse::ui {

class StatusIndicator;

// The status bar's permanent content: feed, Kafka and Redis as coloured indicators with their counters in
// tooltips, the rate, the totals and the mode badge (STANDALONE or PIPELINE, with the role). It adds its
// widgets to the window's status bar, which keeps showing the window's transient messages. GUI thread;
// a child of the status bar.
class StatusPanel : public QObject {
    Q_OBJECT

public:
    explicit StatusPanel(QStatusBar *bar);

    void setTheme(const Theme &theme);
    void showSnapshot(const Snapshot &s, bool utc);

private:
    Theme m_theme;
    StatusIndicator *m_feed = nullptr;
    StatusIndicator *m_kafka = nullptr;
    StatusIndicator *m_redis = nullptr;
    QLabel *m_rate = nullptr;
    QLabel *m_totals = nullptr;
    QLabel *m_modeBadge = nullptr;
};

} // namespace txpulse::ui
