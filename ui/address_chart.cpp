#include "address_chart.h"

#include "axis_scale.h"
#include "format.h"

#include <QLocale>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QFontDatabase>
#include <QHorizontalBarSeries>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace txpulse::ui {

AddressChart::AddressChart(QWidget *parent) : QChartView(parent)
{
    m_chart = new QChart;
    m_series = new QHorizontalBarSeries;
    m_set = new QBarSet(tr("BTC received in the last 3 hours"));
    m_series->append(m_set);
    m_series->setBarWidth(0.72);
    m_series->setLabelsVisible(true);
    m_series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    m_series->setLabelsFormat(QStringLiteral("@value"));
    m_chart->addSeries(m_series);

    m_y = new QBarCategoryAxis;
    m_x = new QValueAxis;
    m_x->setLabelFormat(axisLabelFormat(1)); // set per range in setTop()
    m_x->setTitleText(tr("BTC"));
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_series->attachAxis(m_y);
    m_series->attachAxis(m_x);
    m_chart->legend()->setVisible(false);

    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    setFrameShape(QFrame::NoFrame);
    setMinimumSize(320, 260);

    connect(m_series, &QHorizontalBarSeries::hovered, this,
            [this](bool status, int index, QBarSet *) { showTooltip(status, index); });
    setTheme(Theme::forPalette(palette()));
}

int AddressChart::barCount() const
{
    return static_cast<int>(m_set->count());
}

void AddressChart::setTop(const std::vector<AddressTotal> &top, int bars)
{
    const std::size_t n = std::min(top.size(), static_cast<std::size_t>(std::max(bars, 0)));
    std::vector<AddressTotal> shown(top.rbegin() + static_cast<std::ptrdiff_t>(top.size() - n), top.rend());
    const bool sameAddresses = shown.size() == m_shown.size()
        && std::equal(shown.begin(), shown.end(), m_shown.begin(),
                      [](const AddressTotal &a, const AddressTotal &b) { return a.address == b.address; });
    const bool sameValues = sameAddresses
        && std::equal(shown.begin(), shown.end(), m_shown.begin(),
                      [](const AddressTotal &a, const AddressTotal &b) { return a.satoshis == b.satoshis; });
    if (sameValues)
        return;
    m_shown = std::move(shown);

    QList<qreal> values;
    values.reserve(static_cast<qsizetype>(m_shown.size()));
    qreal peak = 0;
    for (const AddressTotal &a : m_shown) {
        values.append(static_cast<qreal>(a.satoshis) / 1e8);
        peak = std::max(peak, values.back());
    }
    if (!sameAddresses) {
        QStringList categories;
        for (std::size_t i = 0; i < m_shown.size(); ++i) {
            QString label = shortIdentifier(m_shown[i].address, 8, 6);
            if (categories.contains(label)) // category names must be unique
                label += QStringLiteral(" #%1").arg(m_shown.size() - i);
            categories.append(label);
        }
        m_set->remove(0, m_set->count());
        m_y->setCategories(categories);
        m_set->append(values);
    } else {
        for (qsizetype i = 0; i < values.size(); ++i)
            if (m_set->at(i) != values.at(i))
                m_set->replace(i, values.at(i));
    }
    // Significant digits of the value labels: "219.8", "35.25", and "12,345.6" rather than "1.235E+04".
    const int integerDigits = peak >= 1 ? static_cast<int>(std::floor(std::log10(peak))) + 1 : 0;
    m_series->setLabelsPrecision(std::max(4, integerDigits + 1));
    // Room on the right for the value labels outside the bars.
    m_x->setRange(0, std::max<qreal>(peak * 1.18, 0.0001));
    m_x->applyNiceNumbers();
    m_x->setLabelFormat(axisLabelFormat((m_x->max() - m_x->min()) / std::max(m_x->tickCount() - 1, 1)));
}

void AddressChart::showTooltip(bool status, int index)
{
    if (!status || index < 0 || index >= static_cast<int>(m_shown.size())) {
        QToolTip::hideText();
        return;
    }
    const AddressTotal &a = m_shown[static_cast<std::size_t>(index)];
    QToolTip::showText(QCursor::pos(),
                       tr("#%1  %2\n%3 BTC (%4 sat)")
                           .arg(m_shown.size() - static_cast<std::size_t>(index))
                           .arg(QString::fromStdString(a.address), formatBtc(a.satoshis),
                                QLocale().toString(static_cast<qlonglong>(a.satoshis))),
                       this);
}

void AddressChart::setTheme(const Theme &theme)
{
    styleChart(m_chart, theme);
    m_set->setBrush(theme.accent);
    m_set->setPen(Qt::NoPen);
    m_set->setLabelColor(theme.text);
    QFont labelFont = m_set->labelFont();
    labelFont.setPointSizeF(8);
    m_set->setLabelFont(labelFont);
    for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(m_x), static_cast<QAbstractAxis *>(m_y)}) {
        axis->setGridLineColor(theme.grid);
        axis->setLinePenColor(theme.grid);
        axis->setLabelsColor(theme.text);
        axis->setTitleBrush(theme.mutedText);
        QFont f = axis->labelsFont();
        f.setPointSizeF(9);
        axis->setLabelsFont(f);
    }
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(8.5);
    m_y->setLabelsFont(mono);
    m_y->setGridLineVisible(false);
}

} // namespace txpulse::ui
