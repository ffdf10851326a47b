#include "http/prometheus_writer.h"

#include <QLocale>

#include <cmath>

namespace txpulse {

namespace {

QByteArray escaped(const QByteArray &text, bool quotes)
{
    QByteArray out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (quotes && c == '"')
            out += "\\\"";
        else
            out += c;
    }
    return out;
}

} // namespace

void PrometheusWriter::family(const char *name, const char *type, const char *help)
{
    m_out += "# HELP ";
    m_out += name;
    m_out += ' ';
    m_out += escaped(QByteArray(help), false);
    m_out += "\n# TYPE ";
    m_out += name;
    m_out += ' ';
    m_out += type;
    m_out += '\n';
}

void PrometheusWriter::writeName(const char *name, Labels labels)
{
    m_out += name;
    if (labels.size() == 0)
        return;
    m_out += '{';
    bool first = true;
    for (const auto &[key, value] : labels) {
        if (!first)
            m_out += ',';
        first = false;
        m_out += key;
        m_out += "=\"";
        m_out += escaped(value, true);
        m_out += '"';
    }
    m_out += '}';
}

void PrometheusWriter::sample(const char *name, Labels labels, std::int64_t value)
{
    writeName(name, labels);
    m_out += ' ';
    m_out += QByteArray::number(static_cast<qint64>(value));
    m_out += '\n';
}

void PrometheusWriter::sample(const char *name, Labels labels, double value)
{
    writeName(name, labels);
    m_out += ' ';
    if (std::isnan(value))
        m_out += "NaN";
    else if (std::isinf(value))
        m_out += value > 0 ? "+Inf" : "-Inf";
    else
        m_out += QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
    m_out += '\n';
}

} // namespace txpulse
