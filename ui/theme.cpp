#include "theme.h"

#include <QChart>
#include <QPalette>

namespace txpulse::ui {

bool isDarkPalette(const QPalette &palette)
{
    // Qt 6.4 has no QStyleHints::colorScheme(); the window colour's lightness is what the user sees.
    return palette.color(QPalette::Window).lightness() < 128;
}

Theme Theme::forPalette(const QPalette &palette)
{
    Theme t;
    t.dark = isDarkPalette(palette);
    t.accent = t.dark ? QColor(0x4c, 0x9a, 0xff) : QColor(0x25, 0x63, 0xeb);
    t.accentPartial = t.accent;
    t.accentPartial.setAlpha(110);
    t.gap = t.dark ? QColor(0xf5, 0x9e, 0x0b, 150) : QColor(0xd9, 0x77, 0x06, 130);
    t.beforeStart = t.dark ? QColor(255, 255, 255, 60) : QColor(0, 0, 0, 45);
    t.grid = t.dark ? QColor(255, 255, 255, 28) : QColor(0, 0, 0, 22);
    t.text = palette.color(QPalette::WindowText);
    t.mutedText = palette.color(QPalette::PlaceholderText);
    t.ok = QColor(0x22, 0xc5, 0x5e);
    t.warn = QColor(0xf5, 0x9e, 0x0b);
    t.bad = QColor(0xef, 0x44, 0x44);
    t.off = QColor(0x94, 0xa3, 0xb8);
    return t;
}

QString windowStyleSheet(const Theme &theme)
{
    const QString border = theme.dark ? QStringLiteral("rgba(255,255,255,0.10)") : QStringLiteral("rgba(0,0,0,0.10)");
    const QString cardBg = theme.dark ? QStringLiteral("rgba(255,255,255,0.04)") : QStringLiteral("palette(base)");
    const QString mutedColour = theme.dark ? QStringLiteral("rgba(255,255,255,0.60)") : QStringLiteral("rgba(0,0,0,0.55)");
    const QString checkedBg = theme.accent.name();
    return QStringLiteral(
               "#statCard { background: %1; border: 1px solid %2; border-radius: 8px; }"
               "#statCaption { color: %3; font-size: 8pt; font-weight: 600; letter-spacing: 0.5px; }"
               "#statValue { font-size: 18pt; font-weight: 600; }"
               "#statDetail { color: %3; font-size: 9pt; }"
               "#heading { font-size: 12pt; font-weight: 600; }"
               "#muted { color: %3; }"
               "#errorBanner { background: rgba(239,68,68,0.14); border: 1px solid rgba(239,68,68,0.55); border-radius: 6px; }"
               "QToolButton#segment { padding: 4px 12px; border: 1px solid %2; background: %1; }"
               "QToolButton#segment:checked { background: %4; color: white; border-color: %4; }"
               "QTableView { border: 1px solid %2; border-radius: 6px; }")
        .arg(cardBg, border, mutedColour, checkedBg);
}

void styleChart(QChart *chart, const Theme &theme)
{
    chart->setTheme(theme.dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    // The chart sits on the window background like the rest of the dashboard, not on a theme gradient.
    chart->setBackgroundVisible(false);
    chart->setPlotAreaBackgroundVisible(false);
    chart->setMargins(QMargins(4, 4, 8, 4));
    chart->setBackgroundRoundness(0);
    chart->setLocalizeNumbers(true); // "50,000" rather than "50000" on the axes
    chart->legend()->setLabelColor(theme.text);
    QFont legendFont = chart->legend()->font();
    legendFont.setPointSizeF(9);
    chart->legend()->setFont(legendFont);
}

} // namespace txpulse::ui
