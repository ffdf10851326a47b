// The value axes of both charts: round scales for the counts, a label format per step, and labels that are
// really drawn (Qt Charts 6.4 draws empty labels for "%d" once numbers are localized).
#include "address_chart.h"
#include "axis_scale.h"
#include "minute_chart.h"

#include <QApplication>
#include <QChart>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QRegularExpression>
#include <QTest>
#include <QValueAxis>

#include <cmath>

using namespace txpulse;
using namespace txpulse::ui;

namespace {

QStringList drawnTexts(const QChartView &view)
{
    QStringList texts;
    const QList<QGraphicsItem *> items = view.scene()->items();
    for (QGraphicsItem *item : items) {
        if (const auto *text = dynamic_cast<QGraphicsTextItem *>(item); text && text->isVisible())
            texts.append(text->toPlainText());
    }
    return texts;
}

// The labels the value axis along `orientation` should show: its ticks, with `decimals`, in the chart's locale.
QStringList expectedLabels(const QChartView &view, Qt::Orientation orientation, int decimals)
{
    const auto *axis = qobject_cast<QValueAxis *>(view.chart()->axes(orientation).value(0));
    if (!axis)
        return {};
    QStringList labels;
    for (int i = 0; i < axis->tickCount(); ++i) {
        const double value = axis->min() + i * (axis->max() - axis->min()) / (axis->tickCount() - 1);
        labels.append(view.chart()->locale().toString(value, 'f', decimals));
    }
    return labels;
}

bool allDrawn(const QChartView &view, const QStringList &labels)
{
    const QStringList texts = drawnTexts(view);
    return std::all_of(labels.begin(), labels.end(), [&](const QString &l) { return texts.contains(l); });
}

// What a failed allDrawn() wanted and what was drawn instead.
QString drawnReport(const QChartView &view, const QStringList &labels)
{
    return QStringLiteral("want %1, drawn %2").arg(labels.join(u' '), drawnTexts(view).join(u' '));
}

// Shows a chart at `size`, as the window would, and waits until it is on screen.
bool showAt(QChartView &view, QSize size)
{
    view.resize(size);
    view.show();
    return QTest::qWaitForWindowExposed(&view);
}

} // namespace

class TestChartAxes : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // Group separators make the labels wider ("12,000"): the case that broke.
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    void countAxisScale_data()
    {
        QTest::addColumn<qint64>("peak");
        QTest::addColumn<double>("top");
        QTest::addColumn<int>("tickCount");
        QTest::newRow("empty") << qint64(0) << 10.0 << 6;
        QTest::newRow("a dozen") << qint64(12) << 15.0 << 4;    // no 2.5 steps for counts
        QTest::newRow("hundreds") << qint64(493) << 600.0 << 7;
        QTest::newRow("one busy minute") << qint64(1587) << 2000.0 << 5;
        QTest::newRow("ten thousands") << qint64(18'000) << 20'000.0 << 5;
        QTest::newRow("millions") << qint64(2'400'000) << 3'000'000.0 << 7;
    }

    void countAxisScale()
    {
        QFETCH(qint64, peak);
        QFETCH(double, top);
        QFETCH(int, tickCount);
        const AxisScale scale = txpulse::ui::countAxisScale(peak);
        QCOMPARE(scale.top, top);
        QCOMPARE(scale.tickCount, tickCount);
        QCOMPARE(scale.step * (scale.tickCount - 1), scale.top);
        QCOMPARE(scale.step, std::floor(scale.step));
        QVERIFY(scale.top >= static_cast<double>(peak) * 1.08);
    }

    void axisLabelFormat_data()
    {
        QTest::addColumn<double>("step");
        QTest::addColumn<QString>("format");
        QTest::newRow("whole") << 500.0 << QStringLiteral("%.0f");
        QTest::newRow("thousands") << 2500.0 << QStringLiteral("%.0f");
        QTest::newRow("half") << 0.5 << QStringLiteral("%.1f");
        QTest::newRow("quarter") << 0.25 << QStringLiteral("%.2f");
        QTest::newRow("binary-inexact") << 0.1 * 3 << QStringLiteral("%.1f");
        QTest::newRow("small") << 0.00002 << QStringLiteral("%.5f");
        QTest::newRow("below a satoshi") << 1e-12 << QStringLiteral("%.8f");
        QTest::newRow("zero") << 0.0 << QStringLiteral("%.0f");
    }

    void axisLabelFormat()
    {
        QFETCH(double, step);
        QFETCH(QString, format);
        QCOMPARE(txpulse::ui::axisLabelFormat(step), format);
    }

    void minuteChartDrawsCountLabels_data()
    {
        QTest::addColumn<qint64>("count");
        QTest::newRow("hundreds") << qint64(380);
        QTest::newRow("thousands") << qint64(1587);
        QTest::newRow("ten thousands") << qint64(18'000);
    }

    // One partial minute after 59 minutes without data: the live app right after it starts at 300 tx/s.
    void minuteChartDrawsCountLabels()
    {
        QFETCH(qint64, count);
        MinuteChart chart;
        QVERIFY(showAt(chart, QSize(900, 400)));
        std::vector<MinutePoint> points;
        for (int i = 0; i < 60; ++i)
            points.push_back(MinutePoint{29'000'000 + i, i == 59 ? count : 0, i < 59, i == 59});
        chart.setPoints(points, true);
        const QStringList labels = expectedLabels(chart, Qt::Vertical, 0);
        QCOMPARE(labels.size(), txpulse::ui::countAxisScale(count).tickCount);
        QTRY_VERIFY2(allDrawn(chart, labels), qPrintable(drawnReport(chart, labels)));
    }

    void addressChartDrawsBtcLabels_data()
    {
        QTest::addColumn<double>("btc");
        QTest::addColumn<int>("decimals");
        QTest::newRow("fractions") << 0.37 << 1; // 0.0 to 0.5 in steps of 0.1
        QTest::newRow("hundreds") << 219.8 << 0;
        QTest::newRow("thousands") << 12'000.0 << 0; // was "1.2e+04" with "%.4g"
    }

    void addressChartDrawsBtcLabels()
    {
        QFETCH(double, btc);
        QFETCH(int, decimals);
        AddressChart chart;
        QVERIFY(showAt(chart, QSize(900, 500)));
        std::vector<AddressTotal> top;
        for (int i = 0; i < 10; ++i)
            top.push_back(AddressTotal{"bc1qaddress" + std::to_string(i), std::llround(btc * 1e8 / (i + 1))});
        chart.setTop(top);
        const QStringList labels = expectedLabels(chart, Qt::Horizontal, decimals);
        QVERIFY(labels.size() >= 3);
        QTRY_VERIFY2(allDrawn(chart, labels), qPrintable(drawnReport(chart, labels)));
        static const QRegularExpression exponent(QStringLiteral("^[0-9.,]+e[+-][0-9]+$"),
                                                   QRegularExpression::CaseInsensitiveOption);
        for (const QString &text : drawnTexts(chart))
            QVERIFY2(!exponent.match(text).hasMatch(), qPrintable(text)); // axis and bar labels
    }
};

QTEST_MAIN(TestChartAxes)
#include "tst_chart_axes.moc"
