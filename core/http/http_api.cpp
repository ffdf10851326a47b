#include "http/http_api.h"

#include "http/http_query.h"
#include "http/http_render.h"
#include "support/logging.h"
#include "aggregates/aggregate_routes.h"
#include "http/openapi_document.h"
#include "http/prometheus_writer.h"

#include <QAbstractHttpServer>
#include <QCryptographicHash>
#include <QHttpServerRequest>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

namespace txpulse {

// QAbstractHttpServer does the HTTP/1.1 parsing (after HttpGuardServer has screened the bytes); every
// complete request is handed to HttpApi, which routes it itself so that methods, 404, 405 and every error
// body are ours rather than QHttpServer's defaults.
class HttpApiServer final : public QAbstractHttpServer {
public:
    explicit HttpApiServer(std::function<void(QTcpSocket *)> onRequest, QObject *parent)
        : QAbstractHttpServer(parent)
        , m_onRequest(std::move(onRequest))
    {
    }

protected:
    bool handleRequest(const QHttpServerRequest &, QTcpSocket *socket) override
    {
        m_onRequest(socket);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override {}

private:
    std::function<void(QTcpSocket *)> m_onRequest;
};

namespace {

constexpr qsizetype kMaxCachedBodies = 512;
constexpr qint64 kRateWindowMs = 10'000;
constexpr const char *kJson = http::kJsonType;

QByteArray sha256(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
}

// Compares two equal-length digests in time independent of where they differ.
bool constantTimeEqual(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

QByteArray hostLiteral(const QHostAddress &address, const QString &configured)
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol && !configured.startsWith(QLatin1Char('[')))
        return '[' + configured.toLower().toLatin1() + ']';
    return configured.toLower().toLatin1();
}

} // namespace

HttpApi::HttpApi(const Config &config, SnapshotHub &hub, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_hub(hub)
{
    for (const QString &origin : config.httpCorsOrigins)
        m_corsOrigins << origin.trimmed().toLatin1();
    addCoreRoutes();
    m_monotonic.start();
    m_rateTimer.setInterval(1000);
    connect(&m_rateTimer, &QTimer::timeout, this, &HttpApi::sampleRates);
}

HttpApi::~HttpApi()
{
    stop();
}

void HttpApi::setLimits(const HttpLimits &limits)
{
    m_limits = limits;
}

Expected<void> HttpApi::start()
{
    if (isListening())
        return {};
    if (m_config.httpPort < 0)
        return {}; // API disabled by configuration

    QString host = m_config.httpHost.trimmed();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    QHostAddress address;
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        address = QHostAddress(QHostAddress::LocalHost);
    else if (!address.setAddress(host))
        return Error{QStringLiteral("http.address"),
                     QStringLiteral("HTTP API: '%1' is not an IP address (use an address such as 127.0.0.1, "
                                    "::1 or 0.0.0.0, or localhost)")
                         .arg(m_config.httpHost),
                     false};

    QString token = m_config.httpToken;
    if (token.isEmpty())
        token = qEnvironmentVariable("TXPULSE_HTTP_TOKEN");
    if (!address.isLoopback() && token.isEmpty())
        return Error{QStringLiteral("http.insecure"),
                     QStringLiteral("HTTP API: refusing to listen on %1, which is not a loopback address, "
                                    "without an access token; set http.token in the config file or "
                                    "TXPULSE_HTTP_TOKEN, or bind 127.0.0.1")
                         .arg(address.toString()),
                     false};
    m_tokenDigest = token.isEmpty() ? QByteArray() : sha256(token.toUtf8());

    if (!m_guard)
        m_guard = new HttpGuardServer(m_limits, this);
    if (!m_guard->listen(address, static_cast<quint16>(m_config.httpPort)))
        return Error{QStringLiteral("http.bind"),
                     QStringLiteral("HTTP API: cannot listen on %1:%2: %3")
                         .arg(address.toString())
                         .arg(m_config.httpPort)
                         .arg(m_guard->errorString()),
                     true};
    if (!m_server) {
        m_server = new HttpApiServer([this](QTcpSocket *socket) { handle(socket); }, this);
        m_server->bind(m_guard); // re-parents the guard to the server
    }
    m_address = address;

    const QByteArray port = QByteArray::number(m_guard->serverPort());
    QList<QByteArray> names{"127.0.0.1", "localhost", "[::1]", hostLiteral(address, host)};
    m_allowedHosts.clear();
    for (const QByteArray &name : names) {
        m_allowedHosts << name + ':' + port;
        if (m_guard->serverPort() == 80)
            m_allowedHosts << name;
    }
    m_anyIpHost = address == QHostAddress::Any || address == QHostAddress::AnyIPv4
                  || address == QHostAddress::AnyIPv6;

    m_rateSamples.clear();
    sampleRates();
    m_rateTimer.start();
    qCInfo(lcApi).noquote() << "HTTP API on" << (hostLiteral(address, host) + ':' + port)
                            << (m_tokenDigest.isEmpty() ? "(no token)" : "(token required)");
    return {};
}

void HttpApi::stop()
{
    m_rateTimer.stop();
    if (!m_guard)
        return;
    m_guard->close();
    m_guard->abortAll();
}

bool HttpApi::isListening() const
{
    return m_guard && m_guard->isListening();
}

quint16 HttpApi::port() const
{
    return isListening() ? m_guard->serverPort() : 0;
}

QHostAddress HttpApi::address() const
{
    return m_address;
}

void HttpApi::addCoreRoutes()
{
    // The order routes are added in, within their group, is the order of /metrics and of the document.
    http::Route health;
    health.path = "/health";
    health.group = http::RouteGroup::Seed;
    health.open = true;
    health.needsSnapshot = false;
    health.json = [](const Snapshot &s, const http::RouteArgs &) {
        http::Health h = http::health(s);
        return http::Response{h.status, http::kJsonType, std::move(h.body)};
    };
    health.operationId = "health";
    health.summary = "Service health";
    health.okDescription = "Serving";
    health.okSchema = R"({"$ref": "#/components/schemas/Health"})";
    health.extraResponses = R"({"503": {"description": "Snapshot not ready or a configured part is down", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}})";
    health.schemas = {{"Health", R"({"type": "object", "required": ["status", "ready", "mode", "role", "feed", "kafka", "redis", "lag", "problems"], "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "ready": {"type": "boolean"},
        "mode": {"type": "string", "enum": ["standalone", "pipeline"]},
        "role": {"type": "string", "enum": ["all", "ingest", "aggregate", "view"]},
        "feed": {"$ref": "#/components/schemas/ComponentState"},
        "kafka": {"$ref": "#/components/schemas/ComponentState"},
        "redis": {"$ref": "#/components/schemas/ComponentState"},
        "lag": {"type": "integer", "nullable": true},
        "tx_per_second": {"type": "number"},
        "generated_at": {"type": "string", "format": "date-time", "nullable": true},
        "problems": {"type": "array", "items": {"type": "string"}}}})"}};
    m_routes.add(std::move(health));

    addAggregateRoutes(m_routes);

    http::Route stats;
    stats.path = "/api/v1/stats";
    stats.needsSnapshot = false;
    stats.cached = false; // the rates move with the clock, not only with the snapshot
    stats.json = [this](const Snapshot &s, const http::RouteArgs &) { return http::Response(statsText(s)); };
    stats.operationId = "stats";
    stats.summary = "Rates, totals, feed and pipeline state, consumer lag, rejects by reason";
    stats.okDescription = "Counters since start";
    stats.okSchema = R"({"type": "object", "required": ["generated_at", "ready", "mode", "role", "rates", "feed", "kafka", "redis", "store"], "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "ready": {"type": "boolean"},
            "mode": {"type": "string", "enum": ["standalone", "pipeline"]},
            "role": {"type": "string", "enum": ["all", "ingest", "aggregate", "view"]},
            "tx_per_second": {"type": "number"},
            "rates": {"type": "object", "additionalProperties": {"type": "number"}},
            "feed": {"type": "object"},
            "kafka": {"type": "object"},
            "redis": {"type": "object"},
            "store": {"type": "object"},
            "last_error": {"type": "string", "nullable": true}}})";
    m_routes.add(std::move(stats));

    http::Route openApi;
    openApi.path = "/api/v1/openapi.json";
    openApi.needsSnapshot = false;
    openApi.cached = false; // built once, below
    openApi.json = [this](const Snapshot &, const http::RouteArgs &) {
        if (m_openApi.isEmpty())
            m_openApi = http::openApiDocument(m_routes);
        return http::Response(m_openApi);
    };
    openApi.operationId = "openapi";
    openApi.summary = "This document";
    openApi.okDescription = "OpenAPI 3.0 document";
    openApi.okSchema = R"({"type": "object"})";
    m_routes.add(std::move(openApi));

    http::Route metrics;
    metrics.path = "/metrics";
    metrics.needsSnapshot = false;
    metrics.cached = false; // request counters change with every request
    metrics.json = [this](const Snapshot &, const http::RouteArgs &) {
        return http::Response{200, PrometheusWriter::kContentType, metricsText()};
    };
    metrics.operationId = "metrics";
    metrics.summary = "Prometheus metrics (text exposition format 0.0.4)";
    metrics.okDescription = "Feed state, messages, rejects by reason, reconnects, Kafka produce/consume, queue depth, "
                            "lag, store latency, HTTP requests by route and status";
    metrics.okMediaType = "text/plain";
    metrics.okSchema = R"({"type": "string"})";
    m_routes.add(std::move(metrics));
}

void HttpApi::handle(QTcpSocket *socket)
{
    const std::optional<HttpRequestHead> head = m_guard->takeRequest(socket);
    if (!head)
        return;
    const Reply reply = dispatch(*head);
    m_requests.resize(m_routes.routes().size() + 1);
    const std::size_t slot = reply.route < 0 ? m_routes.routes().size() : static_cast<std::size_t>(reply.route);
    ++m_requests[slot][reply.body->status];
    write(socket, *head, reply);
}

namespace {

// "GET, HEAD" for the methods a route declares, HEAD implied by GET.
QByteArray allowedMethods(const http::Route &route, const char *separator)
{
    QByteArrayList methods;
    for (const QByteArray &m : route.methods) {
        methods << m;
        if (m == "GET")
            methods << "HEAD";
    }
    return methods.join(separator);
}

} // namespace

HttpApi::Reply HttpApi::dispatch(const HttpRequestHead &head)
{
    if (head.hostCount != 1)
        return {-1, error(400, "bad_request", "exactly one Host header is required")};
    if (!hostAllowed(head.host))
        return {-1, error(421, "misdirected_request", "the Host header does not name this server")};
    if (!head.target.startsWith('/') || head.target.contains('#'))
        return {-1, error(400, "bad_request", "the request target must be a path")};

    const qsizetype question = head.target.indexOf('?');
    const QByteArray path = question < 0 ? head.target : head.target.left(question);
    const QByteArray query = question < 0 ? QByteArray() : head.target.mid(question + 1);
    const http::RouteTable::Match match = m_routes.match(path);
    const http::Route *route = match.index < 0 ? nullptr : &m_routes.routes()[static_cast<std::size_t>(match.index)];

    const bool cors = !m_corsOrigins.isEmpty();
    if (cors && head.method == "OPTIONS" && route && !head.corsRequestMethod.isEmpty()) {
        auto preflight = std::make_shared<Body>();
        preflight->status = 204;
        preflight->headers = "Allow: " + allowedMethods(*route, ", ") + ", OPTIONS\r\nAccess-Control-Allow-Methods: "
                             + allowedMethods(*route, ", ")
                             + "\r\nAccess-Control-Allow-Headers: Authorization\r\nAccess-Control-Max-Age: 600\r\n";
        return {match.index, preflight};
    }
    if (!(route && route->open) && !authorized(head.authorization)) {
        const QByteArray challenge = head.authorization.isEmpty()
                                         ? "WWW-Authenticate: Bearer realm=\"txpulse\"\r\n"
                                         : "WWW-Authenticate: Bearer realm=\"txpulse\", error=\"invalid_token\"\r\n";
        return {match.index, error(401, "unauthorized", "a valid bearer token is required", challenge)};
    }
    if (!route)
        return {-1, error(404, "not_found", "no such route; see /api/v1/openapi.json")};
    const bool allowed = route->methods.contains(head.method) || (head.method == "HEAD" && route->methods.contains("GET"));
    if (!allowed) {
        const QByteArray allow = "Allow: " + allowedMethods(*route, ", ") + (cors ? ", OPTIONS\r\n" : "\r\n");
        if (cors && head.method == "OPTIONS") {
            auto options = std::make_shared<Body>();
            options->status = 204;
            options->headers = allow;
            return {match.index, options};
        }
        return {match.index, error(405, "method_not_allowed",
                                   "this route accepts " + allowedMethods(*route, " and ") + " only", allow)};
    }
    return {match.index, routeBody(*route, match, query)};
}

HttpApi::BodyPtr HttpApi::routeBody(const http::Route &route, const http::RouteTable::Match &match,
                                    const QByteArray &rawQuery)
{
    const SnapshotPtr s = m_hub.load();
    if (s != m_cacheSnapshot) {
        m_cacheSnapshot = s;
        m_cache.clear();
    }
    const Expected<http::RouteArgs> args = m_routes.arguments(route, match, rawQuery);
    if (!args)
        return error(400, "bad_request", args.error().message.toUtf8());
    // The ingest role keeps no window: its snapshots hold the latest transactions and the counters only.
    if (route.needsWindow && !http::roleKeepsWindow(s->role))
        return error(503, "not_served",
                     "role " + QByteArray(roleName(s->role))
                         + " keeps no window: per-minute counts and addresses are served by the roles all, "
                           "aggregate and view");
    if (route.needsSnapshot && !s->ready)
        return error(503, "not_ready", "no data yet: the first snapshot has not been read from the store",
                     "Retry-After: 1\r\n");
    const auto render = [&] {
        if (args->csv())
            return Body{200, http::kCsvType, route.csv(*s, *args), {}};
        http::Response r = route.json(*s, *args);
        return Body{r.status, std::move(r.contentType), std::move(r.body), std::move(r.headers)};
    };
    if (!route.cached)
        return std::make_shared<const Body>(render());
    return cached(QByteArray::number(match.index) + ':' + args->cacheKey(), render);
}

QByteArray HttpApi::statsText(const Snapshot &s) const
{
    http::Rates rates;
    if (m_rateSamples.size() >= 2) {
        const RateSample &a = m_rateSamples.front();
        const RateSample &b = m_rateSamples.back();
        rates = http::rates(a.stats, b.stats, static_cast<double>(b.atMs - a.atMs) / 1000.0);
    }
    return http::statsJson(s, rates);
}

HttpApi::BodyPtr HttpApi::cached(const QByteArray &key, const std::function<Body()> &render)
{
    if (const auto it = m_cache.constFind(key); it != m_cache.cend())
        return *it;
    Body rendered = render();
    if (m_cache.size() >= kMaxCachedBodies)
        return std::make_shared<const Body>(std::move(rendered));
    // Most requests are a plain keep-alive GET: keep that response whole, so serving it is one write of
    // an implicitly shared buffer.
    HttpRequestHead plainGet;
    plainGet.method = "GET";
    rendered.wire = serialize(rendered, plainGet);
    auto body = std::make_shared<const Body>(std::move(rendered));
    m_cache.insert(key, body);
    return body;
}

QByteArray HttpApi::metricsText()
{
    const SnapshotPtr s = m_hub.load();
    const StatsSample &st = s->stats;
    PrometheusWriter w;

    w.family("txpulse_info", "gauge", "Build and configuration of this txpulse process.");
    w.sample("txpulse_info", {{"version", TXPULSE_VERSION}, {"mode", modeName(s->mode)}, {"role", roleName(s->role)}},
             std::int64_t{1});
    w.family("txpulse_snapshot_ready", "gauge", "1 once the first snapshot has been read from the store.");
    w.sample("txpulse_snapshot_ready", std::int64_t{s->ready ? 1 : 0});
    w.family("txpulse_snapshot_generated_timestamp_seconds", "gauge", "When the served snapshot was built.");
    w.sample("txpulse_snapshot_generated_timestamp_seconds", static_cast<double>(s->generatedMs) / 1000.0);

    http::writeCounterMetrics(w, st);
    w.family("txpulse_transactions_per_second", "gauge", "Accepted transactions per second, recent average.");
    w.sample("txpulse_transactions_per_second", s->txPerSecond);
    m_routes.writeMetrics(w, *s);

    w.family("txpulse_http_requests_total", "counter", "HTTP requests answered, by route template and status.");
    for (std::size_t r = 0; r < m_requests.size(); ++r) {
        const QByteArray route = r < m_routes.routes().size() ? m_routes.routes()[r].path : QByteArray("unmatched");
        for (const auto &[status, count] : m_requests[r])
            w.sample("txpulse_http_requests_total", {{"route", route}, {"code", QByteArray::number(status)}}, count);
    }
    w.family("txpulse_http_refused_total", "counter", "HTTP connections refused before routing, by reason.");
    for (const auto &[reason, count] : m_guard->refusals())
        w.sample("txpulse_http_refused_total", {{"reason", QByteArray::fromStdString(reason)}}, count);
    w.family("txpulse_http_connections", "gauge", "Open HTTP connections.");
    w.sample("txpulse_http_connections", std::int64_t{m_guard->connectionCount()});

    return w.take();
}

void HttpApi::write(QTcpSocket *socket, const HttpRequestHead &head, const Reply &reply)
{
    const Body &b = *reply.body;
    const bool plainGet = head.keepAlive && !head.http10 && head.method == "GET" && m_corsOrigins.isEmpty();
    socket->write(plainGet && !b.wire.isEmpty() ? b.wire : serialize(b, head));
    if (!head.keepAlive)
        socket->disconnectFromHost();
}

QByteArray HttpApi::serialize(const Body &b, const HttpRequestHead &head) const
{
    const bool withBody = head.method != "HEAD" && b.status != 204;
    QByteArray out;
    out.reserve(512 + (withBody ? b.body.size() : 0));
    out += "HTTP/1.1 ";
    out += QByteArray::number(b.status);
    out += ' ';
    out += HttpGuardServer::statusText(b.status);
    out += "\r\n";
    if (b.status != 204) {
        out += "Content-Type: ";
        out += b.contentType;
        out += "\r\nContent-Length: ";
        out += QByteArray::number(b.body.size());
        out += "\r\n";
    }
    out += HttpGuardServer::securityHeaders();
    if (!m_corsOrigins.isEmpty()) {
        if (!head.origin.isEmpty() && m_corsOrigins.contains(head.origin)) {
            out += "Access-Control-Allow-Origin: ";
            out += head.origin;
            out += "\r\n";
        }
        out += "Vary: Origin\r\n";
    }
    out += b.headers;
    if (!head.keepAlive)
        out += "Connection: close\r\n";
    else if (head.http10)
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (withBody)
        out += b.body;
    return out;
}

bool HttpApi::hostAllowed(const QByteArray &host) const
{
    const QByteArray lower = host.toLower();
    if (m_allowedHosts.contains(lower))
        return true;
    if (!m_anyIpHost)
        return false;
    // Bound to a wildcard: any IP literal is this machine as the client sees it; names are not accepted.
    const qsizetype colon = lower.lastIndexOf(':');
    const qsizetype bracket = lower.lastIndexOf(']');
    if (colon < 0 || colon < bracket || lower.mid(colon + 1) != QByteArray::number(m_guard->serverPort()))
        return false;
    QByteArray name = lower.left(colon);
    if (name.startsWith('[') && name.endsWith(']'))
        name = name.mid(1, name.size() - 2);
    else if (name.contains(':'))
        return false;
    return !QHostAddress(QString::fromLatin1(name)).isNull();
}

bool HttpApi::authorized(const QByteArray &authorization) const
{
    if (m_tokenDigest.isEmpty())
        return true;
    static constexpr QByteArrayView kScheme = "bearer ";
    if (authorization.size() <= kScheme.size()
        || authorization.first(kScheme.size()).toLower() != kScheme.toByteArray())
        return false;
    return constantTimeEqual(sha256(authorization.mid(kScheme.size()).trimmed()), m_tokenDigest);
}

void HttpApi::sampleRates()
{
    const qint64 now = m_monotonic.elapsed();
    m_rateSamples.push_back({now, m_hub.load()->stats});
    while (m_rateSamples.size() > 2 && now - m_rateSamples.front().atMs > kRateWindowMs)
        m_rateSamples.pop_front();
}

HttpApi::BodyPtr HttpApi::error(int status, const char *error, const QByteArray &reason, QByteArray headers)
{
    QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("error"), QLatin1String(error)},
                                                {QStringLiteral("reason"), QString::fromUtf8(reason)}})
                          .toJson(QJsonDocument::Compact);
    return std::make_shared<const Body>(Body{status, kJson, std::move(body), std::move(headers)});
}

} // namespace txpulse
