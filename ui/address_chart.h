#pragma once

#include "store/store.h"
#include "theme.h"

#include <QChartView>

class QBarCategoryAxis;
class QBarSet;
class QHorizontalBarSeries;
class QValueAxis;

namespace txpulse::ui {

// The top addresses of the 3-hour ranking as horizontal bars, the largest at the top. Categories are
// shortened addresses; hovering a bar shows the full address and the exact amount. GUI thread.
class AddressChart : public QChartView {
    Q_OBJECT

public:
    static constexpr int kDefaultBars = 15;

    explicit AddressChart(QWidget *parent = nullptr);

    void setTop(const std::vector<AddressTotal> &top, int bars = kDefaultBars);
    void setTheme(const Theme &theme);

    int barCount() const;

private:
    void showTooltip(bool status, int index);

    QChart *m_chart = nullptr;
    QHorizontalBarSeries *m_series = nullptr;
    QBarSet *m_set = nullptr;
    QBarCategoryAxis *m_y = nullptr;
    QValueAxis *m_x = nullptr;
    std::vector<AddressTotal> m_shown; // bottom to top, as the axis lists them
};

} // namespace txpulse::ui
