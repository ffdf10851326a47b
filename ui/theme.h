#pragma once

#include <QColor>
#include <QString>

class QPalette;
class QChart;

namespace txpulse::ui {

// Colours of the charts and status indicators, derived from whether the system palette is dark.
struct Theme {
    bool dark = false;
    QColor accent;        // bars
    QColor accentPartial; // the current, still filling minute
    QColor gap;           // hatch of feed gaps
    QColor beforeStart;   // hatch of the minutes before a standalone start: neutral, not a warning
    QColor grid;
    QColor text;
    QColor mutedText;
    QColor ok, warn, bad, off; // status dots

    static Theme forPalette(const QPalette &palette);
};

bool isDarkPalette(const QPalette &palette);
// The window's style sheet: the dashboard tiles, headings, muted lines, error banner, segment buttons, tables.
QString windowStyleSheet(const Theme &theme);
// Applies the Qt Charts theme that matches, then the common look (transparent background, fonts, grid).
void styleChart(QChart *chart, const Theme &theme);

} // namespace txpulse::ui
