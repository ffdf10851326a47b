#include "http/route_table.h"

#include "http/http_query.h"

#include <algorithm>

namespace txpulse::http {

namespace {

Error paramError(const QByteArray &reason)
{
    return Error{QStringLiteral("http.param"), QString::fromUtf8(reason), false};
}

} // namespace

QueryParam integerParam(QByteArray name, int min, int max, int fallback, QByteArray description, QByteArray component)
{
    QueryParam p;
    p.name = std::move(name);
    p.min = min;
    p.max = max;
    p.fallback = fallback;
    p.description = std::move(description);
    p.component = std::move(component);
    return p;
}

QueryParam formatParam()
{
    QueryParam p;
    p.name = "format";
    p.type = QueryParam::Type::Choice;
    p.choices = {"json", "csv"};
    p.component = "Format";
    return p;
}

int RouteArgs::value(QByteArrayView name) const
{
    for (const auto &[key, value] : m_values) {
        if (key == name)
            return value;
    }
    return 0;
}

QByteArray RouteArgs::cacheKey() const
{
    QByteArray key;
    for (const auto &[name, value] : m_values)
        key += name + '=' + QByteArray::number(value) + ';';
    return key;
}

void RouteTable::add(Route route)
{
    if (route.csv)
        route.query.push_back(formatParam());
    const auto after = std::find_if(m_routes.begin(), m_routes.end(),
                                    [&route](const Route &r) { return r.group > route.group; });
    m_routes.insert(after, std::move(route));
}

void RouteTable::addMetrics(std::function<void(PrometheusWriter &, const Snapshot &)> writer)
{
    m_metrics.push_back(std::move(writer));
}

RouteTable::Match RouteTable::match(QByteArrayView path) const
{
    // Literal segments compare raw: "/show%5Ftransactions" is not "/show_transactions".
    for (std::size_t i = 0; i < m_routes.size(); ++i) {
        const Route &r = m_routes[i];
        if (!r.pathParam) {
            if (path == r.path)
                return {static_cast<int>(i), {}};
            continue;
        }
        const QByteArray prefix = r.path.left(r.path.lastIndexOf('/') + 1);
        if (path.startsWith(prefix) && !path.sliced(prefix.size()).contains('/'))
            return {static_cast<int>(i), path.sliced(prefix.size()).toByteArray()};
    }
    return {};
}

Expected<RouteArgs> RouteTable::arguments(const Route &route, const Match &match, QByteArrayView rawQuery) const
{
    RouteArgs args;
    if (route.pathParam) {
        const PathParam &p = *route.pathParam;
        const auto text = percentDecode(match.pathValue);
        if (!text)
            return text.error();
        const auto value = parseBoundedInt(*text, p.label.constData(), p.min, p.max);
        if (!value)
            return value.error();
        args.m_values.append({p.name, *value});
    }

    QByteArrayList names;
    for (const QueryParam &q : route.query)
        names << q.name;
    const auto params = parseQuery(rawQuery, names);
    if (!params)
        return params.error();
    for (const QueryParam &q : route.query) {
        const auto it = params->constFind(q.name);
        int value = 0;
        if (q.type == QueryParam::Type::Integer) {
            if (it == params->cend()) {
                value = q.fallback;
            } else {
                const auto parsed = parseBoundedInt(*it, q.name.constData(), q.min, q.max);
                if (!parsed)
                    return parsed.error();
                value = *parsed;
            }
            if (q.only && value != *q.only)
                return paramError(q.onlyReason);
        } else {
            const QByteArray word = it == params->cend() ? q.choices.value(0) : *it;
            value = static_cast<int>(q.choices.indexOf(word));
            if (value < 0)
                return paramError(q.name + " must be " + q.choices.join(" or "));
        }
        args.m_values.append({q.name, value});
        if (q.name == "format")
            args.m_csv = q.choices.value(value) == "csv";
    }
    return args;
}

void RouteTable::writeMetrics(PrometheusWriter &w, const Snapshot &s) const
{
    for (const auto &writer : m_metrics)
        writer(w, s);
}

} // namespace txpulse::http
