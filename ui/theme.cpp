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
