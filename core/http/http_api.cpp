#include "http/http_api.h"

#include "http/http_query.h"
#include "http/http_render.h"
#include "support/logging.h"
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
constexpr const char *kJson = "application/json";
constexpr const char *kCsv = "text/csv; charset=utf-8";

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

const char *HttpApi::routeTemplate(Route route)
{
    switch (route) {
    case Route::Health: return "/health";
    case Route::ShowTransactions: return "/show_transactions";
    case Route::HighValue: return "/high_value_addr";
    case Route::MinuteCount: return "/transactions_count_per_minute/{m}";
    case Route::Transactions: return "/api/v1/transactions";
    case Route::TopAddresses: return "/api/v1/addresses/top";
    case Route::Minutes: return "/api/v1/minutes";
    case Route::Stats: return "/api/v1/stats";
    case Route::OpenApi: return "/api/v1/openapi.json";
    case Route::Metrics: return "/metrics";
    case Route::Unmatched:
    case Route::Count: break;
    }
    return "unmatched";
}

void HttpApi::handle(QTcpSocket *socket)
{
    const std::optional<HttpRequestHead> head = m_guard->takeRequest(socket);
    if (!head)
        return;
    const Reply reply = dispatch(*head);
    ++m_requests[static_cast<std::size_t>(reply.route)][reply.body->status];
    write(socket, *head, reply);
}

HttpApi::Reply HttpApi::dispatch(const HttpRequestHead &head)
{
    if (head.hostCount != 1)
        return {Route::Unmatched, error(400, "bad_request", "exactly one Host header is required")};
    if (!hostAllowed(head.host))
        return {Route::Unmatched, error(421, "misdirected_request", "the Host header does not name this server")};
    if (!head.target.startsWith('/') || head.target.contains('#'))
        return {Route::Unmatched, error(400, "bad_request", "the request target must be a path")};

    const qsizetype question = head.target.indexOf('?');
    const QByteArray path = question < 0 ? head.target : head.target.left(question);
    const QByteArray query = question < 0 ? QByteArray() : head.target.mid(question + 1);
    const QList<QByteArray> segments = path.mid(1).split('/');

    static const std::pair<const char *, Route> kStatic[] = {
        {"/health", Route::Health},
        {"/show_transactions", Route::ShowTransactions},
        {"/high_value_addr", Route::HighValue},
        {"/api/v1/transactions", Route::Transactions},
        {"/api/v1/addresses/top", Route::TopAddresses},
        {"/api/v1/minutes", Route::Minutes},
        {"/api/v1/stats", Route::Stats},
        {"/api/v1/openapi.json", Route::OpenApi},
        {"/metrics", Route::Metrics},
    };
    Route route = Route::Unmatched;
    for (const auto &[p, r] : kStatic) {
        if (path == p)
            route = r;
    }
    if (segments.size() == 2 && segments[0] == "transactions_count_per_minute")
        route = Route::MinuteCount;

    const bool cors = !m_corsOrigins.isEmpty();
    if (cors && head.method == "OPTIONS" && route != Route::Unmatched && !head.corsRequestMethod.isEmpty()) {
        auto preflight = std::make_shared<Body>();
        preflight->status = 204;
        preflight->headers = "Allow: GET, HEAD, OPTIONS\r\nAccess-Control-Allow-Methods: GET, HEAD\r\n"
                             "Access-Control-Allow-Headers: Authorization\r\nAccess-Control-Max-Age: 600\r\n";
        return {route, preflight};
    }
    if (route != Route::Health && !authorized(head.authorization)) {
        const QByteArray challenge = head.authorization.isEmpty()
                                         ? "WWW-Authenticate: Bearer realm=\"txpulse\"\r\n"
                                         : "WWW-Authenticate: Bearer realm=\"txpulse\", error=\"invalid_token\"\r\n";
        return {route, error(401, "unauthorized", "a valid bearer token is required", challenge)};
    }
    if (route == Route::Unmatched)
        return {route, error(404, "not_found", "no such route; see /api/v1/openapi.json")};
    if (head.method != "GET" && head.method != "HEAD") {
        if (cors && head.method == "OPTIONS") {
            auto options = std::make_shared<Body>();
            options->status = 204;
            options->headers = "Allow: GET, HEAD, OPTIONS\r\n";
            return {route, options};
        }
        return {route, error(405, "method_not_allowed", "this route accepts GET and HEAD only",
                             cors ? "Allow: GET, HEAD, OPTIONS\r\n" : "Allow: GET, HEAD\r\n")};
    }
    return {route, routeBody(route, query, segments)};
}

HttpApi::BodyPtr HttpApi::routeBody(Route route, const QByteArray &rawQuery, const QList<QByteArray> &segments)
{
    const SnapshotPtr s = m_hub.load();
    if (s != m_cacheSnapshot) {
        m_cacheSnapshot = s;
        m_cache.clear();
    }

    const auto badRequest = [](const Error &e) { return error(400, "bad_request", e.message.toUtf8()); };
    const auto notReady = [] {
        return error(503, "not_ready", "no data yet: the first snapshot has not been read from the store",
                     "Retry-After: 1\r\n");
    };
    // The ingest role keeps no window: its snapshots hold the latest transactions and the counters only.
    const auto windowNotServed = [&s] {
        return error(503, "not_served",
                     "role " + QByteArray(roleName(s->role))
                         + " keeps no window: per-minute counts and addresses are served by the roles all, "
                           "aggregate and view");
    };
    const auto intParam = [](const http::QueryParams &p, const char *key, int fallback, int min,
                             int max) -> Expected<int> {
        const auto it = p.constFind(key);
        return it == p.cend() ? Expected<int>(fallback) : http::parseBoundedInt(*it, key, min, max);
    };
    const auto csvParam = [](const http::QueryParams &p) -> Expected<bool> {
        const QByteArray format = p.value("format", "json");
        if (format == "json" || format == "csv")
            return format == "csv";
        return Error{QStringLiteral("http.param"), QStringLiteral("format must be json or csv"), false};
    };

    switch (route) {
    case Route::Health: {
        if (auto p = http::parseQuery(rawQuery, {}); !p)
            return badRequest(p.error());
        return cached("health", [&] {
            http::Health h = http::health(*s);
            return Body{h.status, kJson, std::move(h.body), {}};
        });
    }
    case Route::ShowTransactions: {
        if (auto p = http::parseQuery(rawQuery, {}); !p)
            return badRequest(p.error());
        if (!s->ready)
            return notReady();
        return cached("show", [&] { return Body{200, kJson, http::showTransactionsJson(*s), {}}; });
    }
    case Route::HighValue: {
        const auto p = http::parseQuery(rawQuery, {"limit"});
        if (!p)
            return badRequest(p.error());
        const auto limit = intParam(*p, "limit", 100, 1, 1000);
        if (!limit)
            return badRequest(limit.error());
        if (!http::roleKeepsWindow(s->role))
            return windowNotServed();
        if (!s->ready)
            return notReady();
        return cached("hva:" + QByteArray::number(*limit),
                      [&] { return Body{200, kJson, http::highValueJson(*s, *limit), {}}; });
    }
    case Route::MinuteCount: {
        const auto text = http::percentDecode(segments[1]);
        if (!text)
            return badRequest(text.error());
        const auto m = http::parseBoundedInt(*text, "minute", 0, kCountWindowMinutes - 1);
        if (!m)
            return badRequest(m.error());
        if (auto p = http::parseQuery(rawQuery, {}); !p)
            return badRequest(p.error());
        if (!http::roleKeepsWindow(s->role))
            return windowNotServed();
        if (!s->ready)
            return notReady();
        return cached("tcpm:" + QByteArray::number(*m), [&] {
            bool gap = false;
            QByteArray body = http::minuteCountJson(*s, *m, &gap);
            return Body{200, kJson, std::move(body), gap ? "X-Txpulse-Gap: 1\r\n" : QByteArray()};
        });
    }
    case Route::Transactions: {
        const auto p = http::parseQuery(rawQuery, {"limit", "format"});
        if (!p)
            return badRequest(p.error());
        const auto limit = intParam(*p, "limit", kLatestCount, 1, kLatestCount);
        if (!limit)
            return badRequest(limit.error());
        const auto csv = csvParam(*p);
        if (!csv)
            return badRequest(csv.error());
        if (!s->ready)
            return notReady();
        return cached("tx:" + QByteArray::number(*limit) + (*csv ? ":csv" : ":json"), [&] {
            return Body{200, *csv ? kCsv : kJson, http::transactionsBody(*s, *limit, *csv), {}};
        });
    }
    case Route::TopAddresses: {
        const auto p = http::parseQuery(rawQuery, {"limit", "window_minutes", "format"});
        if (!p)
            return badRequest(p.error());
        const auto limit = intParam(*p, "limit", 100, 1, 1000);
        if (!limit)
            return badRequest(limit.error());
        const auto window = intParam(*p, "window_minutes", kRankingWindowMinutes, 1, kRankingWindowMinutes);
        if (!window)
            return badRequest(window.error());
        // The store keeps one rolling ranking; a shorter window cannot be derived from it honestly.
        if (*window != kRankingWindowMinutes)
            return error(400, "bad_request",
                         "window_minutes: only the " + QByteArray::number(kRankingWindowMinutes)
                             + "-minute ranking is kept, so 180 is the only accepted value");
        const auto csv = csvParam(*p);
        if (!csv)
            return badRequest(csv.error());
        if (!http::roleKeepsWindow(s->role))
            return windowNotServed();
        if (!s->ready)
            return notReady();
        return cached("top:" + QByteArray::number(*limit) + (*csv ? ":csv" : ":json"), [&] {
            return Body{200, *csv ? kCsv : kJson, http::topAddressesBody(*s, *limit, *window, *csv), {}};
        });
    }
    case Route::Minutes: {
        const auto p = http::parseQuery(rawQuery, {"minutes", "format"});
        if (!p)
            return badRequest(p.error());
        const auto minutes = intParam(*p, "minutes", kCountWindowMinutes, 1, kChartWindowMinutes);
        if (!minutes)
            return badRequest(minutes.error());
        const auto csv = csvParam(*p);
        if (!csv)
            return badRequest(csv.error());
        if (!http::roleKeepsWindow(s->role))
            return windowNotServed();
        if (!s->ready)
            return notReady();
        return cached("min:" + QByteArray::number(*minutes) + (*csv ? ":csv" : ":json"), [&] {
            return Body{200, *csv ? kCsv : kJson, http::minutesBody(*s, *minutes, *csv), {}};
        });
    }
    case Route::Stats: {
        if (auto p = http::parseQuery(rawQuery, {}); !p)
            return badRequest(p.error());
        http::Rates rates;
        if (m_rateSamples.size() >= 2) {
            const RateSample &a = m_rateSamples.front();
            const RateSample &b = m_rateSamples.back();
            rates.seconds = static_cast<double>(b.atMs - a.atMs) / 1000.0;
            if (rates.seconds > 0) {
                const auto per = [&](std::int64_t from, std::int64_t to) {
                    return static_cast<double>(to - from) / rates.seconds;
                };
                rates.messages = per(a.stats.feedMessages, b.stats.feedMessages);
                rates.transactions = per(a.stats.feedTransactions, b.stats.feedTransactions);
                rates.rejected = per(a.stats.feedRejected, b.stats.feedRejected);
                rates.produced = per(a.stats.produced, b.stats.produced);
                rates.consumed = per(a.stats.consumed, b.stats.consumed);
                rates.applied = per(a.stats.applied, b.stats.applied);
            }
        }
        return std::make_shared<const Body>(Body{200, kJson, http::statsJson(*s, rates), {}});
    }
    case Route::OpenApi: {
        if (auto p = http::parseQuery(rawQuery, {}); !p)
            return badRequest(p.error());
        static const BodyPtr document = std::make_shared<const Body>(Body{200, kJson, openApiDocument(), {}});
        return document;
    }
    case Route::Metrics: {
        if (auto p = http::parseQuery(rawQuery, {}); !p)
            return badRequest(p.error());
        return metricsBody();
    }
    case Route::Unmatched:
    case Route::Count: break;
    }
    return error(404, "not_found", "no such route; see /api/v1/openapi.json");
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

HttpApi::BodyPtr HttpApi::metricsBody()
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

    const std::pair<const char *, ComponentState> states[] = {
        {"txpulse_feed_state", st.feedState}, {"txpulse_kafka_state", st.kafkaState}, {"txpulse_redis_state", st.redisState}};
    for (const auto &[name, state] : states) {
        w.family(name, "gauge", "Connection state: 1 for the current state, 0 for the others.");
        for (int i = 0; i <= static_cast<int>(ComponentState::Down); ++i) {
            const auto candidate = static_cast<ComponentState>(i);
            w.sample(name, {{"state", componentStateName(candidate)}}, std::int64_t{candidate == state ? 1 : 0});
        }
    }

    const auto counter = [&w](const char *name, const char *help, std::int64_t value) {
        w.family(name, "counter", help);
        w.sample(name, value);
    };
    const auto gauge = [&w](const char *name, const char *help, std::int64_t value) {
        w.family(name, "gauge", help);
        w.sample(name, value);
    };
    counter("txpulse_feed_messages_total", "WebSocket frames received from the feed.", st.feedMessages);
    counter("txpulse_feed_bytes_total", "Bytes received from the feed.", st.feedBytes);
    counter("txpulse_feed_transactions_total", "Transactions accepted from the feed.", st.feedTransactions);
    counter("txpulse_feed_ignored_total", "Valid feed messages of another kind (pong, block, ...).", st.feedIgnored);
    w.family("txpulse_feed_rejected_total", "counter", "Feed messages rejected, by reason.");
    for (std::size_t i = 0; i < kParseErrorCount; ++i) {
        const std::string_view reason = parseErrorName(static_cast<ParseError>(i));
        w.sample("txpulse_feed_rejected_total", {{"reason", QByteArray(reason.data(), static_cast<qsizetype>(reason.size()))}},
                 st.rejectsByReason[i]);
    }
    counter("txpulse_feed_reconnects_total", "Feed reconnections.", st.feedReconnects);
    gauge("txpulse_feed_in_flight", "Feed messages handed off and not yet in a bounded queue (backpressure bound).",
          st.feedInFlight);
    gauge("txpulse_feed_in_flight_peak", "Highest txpulse_feed_in_flight since start.", st.feedInFlightPeak);
    counter("txpulse_feed_backpressure_pauses_total", "Times the feed stopped reading because too much was in flight.",
            st.feedPauses);
    w.family("txpulse_feed_backpressure_paused_seconds_total", "counter",
             "Time the feed spent not reading because too much was in flight.");
    w.sample("txpulse_feed_backpressure_paused_seconds_total", static_cast<double>(st.feedPausedMs) / 1000.0);
    counter("txpulse_kafka_produced_total", "Messages Kafka acknowledged.", st.produced);
    counter("txpulse_kafka_produce_errors_total", "Messages Kafka failed to deliver.", st.produceErrors);
    gauge("txpulse_kafka_produce_queue", "Messages waiting in the producer.", st.produceQueue);
    gauge("txpulse_spool_messages", "Messages in the on-disk spool.", st.spooled);
    counter("txpulse_dropped_total", "Messages that could not be kept anywhere.", st.dropped);
    counter("txpulse_kafka_consumed_total", "Messages consumed from Kafka.", st.consumed);
    w.family("txpulse_kafka_consumer_lag", "gauge", "Consumer lag summed over assigned partitions (absent when unknown).");
    if (st.consumerLag >= 0)
        w.sample("txpulse_kafka_consumer_lag", st.consumerLag);
    counter("txpulse_store_applied_total", "Transactions aggregated.", st.applied);
    counter("txpulse_store_duplicates_total", "Transactions seen again within the window.", st.duplicates);
    counter("txpulse_store_late_total", "Transactions older than the window.", st.late);
    counter("txpulse_store_batches_total", "Store batches written.", st.storeBatches);
    counter("txpulse_store_errors_total", "Store batches that failed.", st.storeErrors);
    w.family("txpulse_store_last_batch_seconds", "gauge", "Wall time of the last store batch.");
    w.sample("txpulse_store_last_batch_seconds", static_cast<double>(st.storeLastBatchUs) / 1e6);
    w.family("txpulse_transactions_per_second", "gauge", "Accepted transactions per second, recent average.");
    w.sample("txpulse_transactions_per_second", s->txPerSecond);
    gauge("txpulse_ranked_addresses", "Addresses in the 3-hour ranking.", s->view.rankedAddresses);

    w.family("txpulse_http_requests_total", "counter", "HTTP requests answered, by route template and status.");
    for (std::size_t r = 0; r < m_requests.size(); ++r) {
        for (const auto &[status, count] : m_requests[r])
            w.sample("txpulse_http_requests_total",
                     {{"route", routeTemplate(static_cast<Route>(r))}, {"code", QByteArray::number(status)}}, count);
    }
    w.family("txpulse_http_refused_total", "counter", "HTTP connections refused before routing, by reason.");
    for (const auto &[reason, count] : m_guard->refusals())
        w.sample("txpulse_http_refused_total", {{"reason", QByteArray::fromStdString(reason)}}, count);
    gauge("txpulse_http_connections", "Open HTTP connections.", m_guard->connectionCount());

    return std::make_shared<const Body>(Body{200, PrometheusWriter::kContentType, w.take(), {}});
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
