#pragma once

#include <QByteArray>

#include <cstdint>
#include <initializer_list>
#include <utility>

namespace txpulse {

// Writes the Prometheus text exposition format 0.0.4: "# HELP" and "# TYPE" once per family, then its
// samples as `name{label="value",...} number`. Label values and help text are escaped as the format
// requires. A plain value builder, any thread; nothing is shared.
class PrometheusWriter {
public:
    using Labels = std::initializer_list<std::pair<const char *, QByteArray>>;

    static constexpr const char *kContentType = "text/plain; version=0.0.4; charset=utf-8";

    void family(const char *name, const char *type, const char *help);
    void sample(const char *name, Labels labels, std::int64_t value);
    void sample(const char *name, Labels labels, double value);
    void sample(const char *name, std::int64_t value) { sample(name, {}, value); }
    void sample(const char *name, double value) { sample(name, {}, value); }

    QByteArray take() { return std::exchange(m_out, QByteArray()); }

private:
    void writeName(const char *name, Labels labels);
    QByteArray m_out;
};

} // namespace txpulse
