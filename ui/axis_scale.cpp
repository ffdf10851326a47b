#include "axis_scale.h"

#include <algorithm>
#include <cmath>

namespace txpulse::ui {

AxisScale countAxisScale(std::int64_t peak)
{
    const double wanted = std::max(10.0, static_cast<double>(peak) * 1.08);
    const double magnitude = std::pow(10.0, std::floor(std::log10(wanted / 5)));
    AxisScale scale;
    for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        scale.step = m * magnitude;
        if (scale.step != std::floor(scale.step))
            continue;
        if (wanted / scale.step <= 6)
            break;
    }
    const auto steps = static_cast<int>(std::ceil(wanted / scale.step));
    scale.top = steps * scale.step;
    scale.tickCount = steps + 1;
    return scale;
}

QString axisLabelFormat(double step)
{
    int decimals = 0;
    if (step > 0 && std::isfinite(step)) {
        constexpr int kMaxDecimals = 8; // satoshi precision
        while (decimals < kMaxDecimals) {
            const double scaled = step * std::pow(10.0, decimals);
            if (std::abs(scaled - std::round(scaled)) <= 1e-6 * scaled)
                break;
            ++decimals;
        }
    }
    return QStringLiteral("%.%1f").arg(decimals);
}

} // namespace txpulse::ui
