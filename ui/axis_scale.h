#pragma once

#include <QString>

#include <cstdint>

namespace txpulse::ui {

// A value axis from 0 to `top` in `tickCount - 1` equal steps of `step`, on round numbers.
struct AxisScale {
    double top = 10;
    double step = 2;
    int tickCount = 6;
};

// The transactions-per-minute axis: head room above the tallest bar, at most 6 steps of 1, 2, 2.5 or 5 times
// a power of ten, and whole-number steps only (counts are integers, a "7.5" tick would read as a bug).
AxisScale countAxisScale(std::int64_t peak);

// A QValueAxis label format showing exactly the decimals `step` needs ("%.0f" for 500, "%.2f" for 0.25).
// Always "%.<N>f": with QChart::localizeNumbers() on, Qt Charts 6.4 only understands formats of the form
// "%.<precision><d|e|f|g|i|E|G>" and renders every label EMPTY for anything else, "%d" included. And not
// "%.Ng", which QLocale renders as "1.2e+04" for 12,000.
QString axisLabelFormat(double step);

} // namespace txpulse::ui
