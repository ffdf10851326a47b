#include "http/http_api.h"
#include "model/transaction_parser.h"
#include "local_api.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

#include <map>
#include <memory>
#include <set>

using namespace txpulse;

namespace {

constexpr std::int64_t kNowMs = 1'700'000'012'345; // 12.345 s into a minute
constexpr std::int64_t kCurrentMinute = kNowMs / 60'000;
constexpr std::int64_t kGapMinute = kCurrentMinute - 60 + 7; // legacy m = 7 falls in a feed gap
constexpr int kTopCount = 150;

std::int64_t countFor(std::int64_t minute)
{
    return minute == kGapMinute ? 0 : (minute % 1000) * 3 + 1;
}

std::int64_t satoshisFor(int rank)
{
    return 5'000'000'000 - rank * 1000;
}

std::string addressFor(int rank)
{
    // Rank 2 carries a comma and a quote so CSV quoting and JSON escaping are exercised.
    return rank == 2 ? std::string("bc1q\"odd,addr") : "bc1qaddr" + std::to_string(rank);
}

SnapshotPtr makeSnapshot(bool ready = true)
{
    auto s = std::make_shared<Snapshot>();
    s->generatedMs = kNowMs;
    s->ready = ready;
    s->view.nowMs = kNowMs;
    for (std::int64_t m = kCurrentMinute - kChartWindowMinutes + 1; m <= kCurrentMinute; ++m)
        s->view.minutes.push_back({m, countFor(m), m == kGapMinute});
    for (int rank = 0; rank < kTopCount; ++rank)
        s->view.top.push_back({addressFor(rank), satoshisFor(rank)});
    s->view.rankedAddresses = 100'000;
    s->view.rankedSatoshis = 123'456'789'000;

    QFile file(QStringLiteral(TXPULSE_TEST_DATA "/blockchain_utx_sample.ndjson"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open the utx fixture");
    TransactionParser parser;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) { // newest (last line) first
        if (it->trimmed().isEmpty())
            continue;
        ParseOutcome outcome = parser.parse(*it);
        if (outcome.kind != ParseOutcome::Kind::Transaction)
            qFatal("fixture line did not parse");
        s->view.latest.push_back(*it);
        s->latest.push_back(std::move(outcome.tx));
    }
    s->stats.feedState = ComponentState::Connected;
    s->stats.feedMessages = 4242;
    s->stats.feedBytes = 987654;
    s->stats.feedTransactions = 4200;
    s->stats.rejectsByReason[static_cast<std::size_t>(ParseError::BadHash)] = 3;
    s->stats.feedRejected = 3;
    s->stats.consumerLag = 17;
    // Every other counter distinct and non-zero, so the golden answers pin where each one is written.
    s->stats.feedConnectedSinceMs = kNowMs - 3'600'000;
    s->stats.feedIgnored = 11;
    s->stats.feedReconnects = 2;
    s->stats.feedInFlight = 5;
    s->stats.feedInFlightPeak = 64;
    s->stats.feedPauses = 4;
    s->stats.feedPausedMs = 1234;
    s->stats.produced = 4100;
    s->stats.produceErrors = 6;
    s->stats.produceQueue = 7;
    s->stats.spooled = 8;
    s->stats.dropped = 9;
    s->stats.consumed = 4090;
    s->stats.applied = 4080;
    s->stats.duplicates = 12;
    s->stats.late = 13;
    s->stats.storeBatches = 140;
    s->stats.storeLastBatchUs = 1500;
    s->stats.storeErrors = 1;
    s->txPerSecond = 6.5;
    return s;
}

struct HttpResult {
    int status = 0;
    QByteArray body;
    QMap<QByteArray, QByteArray> headers; // lower-case names
    bool closed = false;
};

// Parses one HTTP/1.1 response (Content-Length framed) from the front of `data`; false while incomplete.
bool parseResponse(const QByteArray &data, HttpResult *out, qsizetype *consumed = nullptr)
{
    const qsizetype end = data.indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    const QList<QByteArray> lines = data.left(end).split('\n');
    HttpResult r;
    r.status = lines.value(0).split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        r.headers.insert(line.left(colon).toLower(), line.mid(colon + 1).trimmed());
    }
    const qsizetype length = r.headers.value("content-length", "0").toLongLong();
    const bool noBody = r.status == 204;
    if (!noBody && data.size() < end + 4 + length)
        return false;
    r.body = noBody ? QByteArray() : data.mid(end + 4, length);
    if (consumed)
        *consumed = end + 4 + (noBody ? 0 : length);
    *out = r;
    return true;
}

// Sends raw bytes and collects every response until `expected` arrived or the server closed.
QList<HttpResult> rawExchange(quint16 port, const QByteArray &request, int expected = 1, bool *closed = nullptr,
                              QTcpSocket *reuse = nullptr)
{
    QTcpSocket own;
    QTcpSocket &socket = reuse ? *reuse : own;
    if (socket.state() != QAbstractSocket::ConnectedState) {
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000))
            return {};
    }
    socket.write(request);
    QByteArray data;
    QList<HttpResult> results;
    (void)QTest::qWaitFor([&] {
        data += socket.readAll();
        qsizetype used = 0;
        HttpResult r;
        while (parseResponse(data, &r, &used)) {
            results << r;
            data.remove(0, used);
        }
        return results.size() >= expected || socket.state() == QAbstractSocket::UnconnectedState;
    }, 5000);
    if (closed) {
        (void)QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 3000);
        *closed = socket.state() == QAbstractSocket::UnconnectedState;
    }
    return results;
}

// A strict reader of the Prometheus text format 0.0.4 as we write it: HELP and TYPE precede the samples
// of their family, each family appears once, every sample line is `name{labels} value`.
struct PromSample {
    QString name;
    std::map<QString, QString> labels;
    double value = 0;
};

bool parsePrometheus(const QByteArray &text, QList<PromSample> *samples, QString *why)
{
    static const QRegularExpression sampleRe(
        QString::fromLatin1("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)$"));
    static const QRegularExpression labelRe(QString::fromLatin1("^([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)"));
    static const QRegularExpression commentRe(
        QString::fromLatin1("^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$"));
    std::set<QString> typed, helped, finished;
    QString current;
    if (!text.endsWith('\n')) {
        *why = QStringLiteral("no final newline");
        return false;
    }
    for (const QByteArray &rawLine : text.chopped(1).split('\n')) {
        const QString line = QString::fromUtf8(rawLine);
        if (line.startsWith(QLatin1Char('#'))) {
            const auto m = commentRe.match(line);
            if (!m.hasMatch()) {
                *why = QStringLiteral("bad comment: ") + line;
                return false;
            }
            const QString name = m.captured(2);
            if (name != current) {
                if (!current.isEmpty())
                    finished.insert(current);
                if (finished.count(name)) {
                    *why = QStringLiteral("family appears twice: ") + name;
                    return false;
                }
                current = name;
            }
            auto &seen = m.captured(1) == QLatin1String("TYPE") ? typed : helped;
            if (!seen.insert(name).second) {
                *why = QStringLiteral("duplicate ") + m.captured(1) + QLatin1Char(' ') + name;
                return false;
            }
            if (m.captured(1) == QLatin1String("TYPE")
                && !QStringList{"counter", "gauge", "histogram", "summary", "untyped"}.contains(m.captured(3))) {
                *why = QStringLiteral("bad type: ") + line;
                return false;
            }
            continue;
        }
        const auto m = sampleRe.match(line);
        if (!m.hasMatch()) {
            *why = QStringLiteral("bad sample line: ") + line;
            return false;
        }
        PromSample s;
        s.name = m.captured(1);
        if (s.name != current || !typed.count(s.name)) {
            *why = QStringLiteral("sample outside its family or before TYPE: ") + line;
            return false;
        }
        QString labels = m.captured(3);
        while (!labels.isEmpty()) {
            const auto lm = labelRe.match(labels);
            if (!lm.hasMatch()) {
                *why = QStringLiteral("bad labels: ") + line;
                return false;
            }
            s.labels[lm.captured(1)] = lm.captured(2);
            labels = labels.mid(lm.capturedLength(0));
        }
        bool ok = false;
        const QString v = m.captured(4);
        s.value = v == QLatin1String("NaN") ? qQNaN() : v == QLatin1String("+Inf") ? qInf() : v == QLatin1String("-Inf") ? -qInf() : v.toDouble(&ok);
        if (!ok && !v.contains(QLatin1String("Inf")) && v != QLatin1String("NaN")) {
            *why = QStringLiteral("bad value: ") + line;
            return false;
        }
        samples->append(s);
    }
    return true;
}

// RFC 4180 reader for the tests: quoted fields, doubled quotes, CRLF records.
QList<QStringList> parseCsv(const QByteArray &data, QString *why)
{
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false, wasQuoted = false;
    const QString text = QString::fromUtf8(data);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < text.size() && text[i + 1] == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            if (!field.isEmpty() || wasQuoted) {
                *why = QStringLiteral("quote inside an unquoted field");
                return {};
            }
            quoted = wasQuoted = true;
        } else if (c == QLatin1Char(',')) {
            row << field;
            field.clear();
            wasQuoted = false;
        } else if (c == QLatin1Char('\r')) {
            if (i + 1 >= text.size() || text[i + 1] != QLatin1Char('\n')) {
                *why = QStringLiteral("bare CR");
                return {};
            }
            row << field;
            rows << row;
            row.clear();
            field.clear();
            wasQuoted = false;
            ++i;
        } else if (c == QLatin1Char('\n')) {
            *why = QStringLiteral("bare LF record separator");
            return {};
        } else {
            field += c;
        }
    }
    if (quoted || !field.isEmpty() || !row.isEmpty())
        *why = QStringLiteral("unterminated last record");
    return rows;
}


// One request of a golden scenario, sent as raw bytes so that nothing normalises it.
struct GoldenRequest {
    QByteArray method;
    QByteArray target;
    QByteArray headers; // extra header lines, each ending with CRLF
};

// Reads exactly one response from `buffer` (refilled from `socket`): status line and headers, then
// Content-Length bytes unless the request was HEAD or the status is 204. Empty on timeout.
QByteArray readOneResponse(QTcpSocket &socket, QByteArray &buffer, bool head)
{
    QByteArray response;
    (void)QTest::qWaitFor([&] {
        buffer += socket.readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        HttpResult r;
        qsizetype length = 0;
        if (!head && parseResponse(buffer, &r, &length)) {
            response = buffer.left(length);
        } else if (head || buffer.startsWith("HTTP/1.1 204")) {
            response = buffer.left(end + 4);
        } else {
            return false;
        }
        buffer.remove(0, response.size());
        return true;
    }, 5000);
    return response;
}

// What may differ between two runs of the same scenario: the span of the rate window, the version of the
// build and the OpenAPI document (checked against its reference by openApiDescribesEveryRoute). The
// Content-Length of a response whose body is normalised is recomputed; every other byte is compared.
QByteArray normalizeResponse(const QByteArray &response, const QByteArray &target)
{
    const qsizetype end = response.indexOf("\r\n\r\n");
    QByteArray head = response.left(end + 4);
    QByteArray body = response.mid(end + 4);
    const QByteArray original = body;
    if (target.startsWith("/api/v1/openapi.json") && !body.isEmpty())
        body = "@OPENAPI@";
    body.replace("version=\"" TXPULSE_VERSION "\"", "version=\"@VERSION@\"");
    static const QRegularExpression window(QStringLiteral("\"window_seconds\":[0-9.]+"));
    body = QString::fromUtf8(body).replace(window, QStringLiteral("\"window_seconds\":@SECONDS@")).toUtf8();
    if (body != original) {
        static const QRegularExpression length(QStringLiteral("Content-Length: [0-9]+"));
        head = QString::fromLatin1(head)
                   .replace(length, QStringLiteral("Content-Length: %1").arg(body.size()))
                   .toLatin1();
    }
    return head + body;
}

QList<GoldenRequest> goldenRequests(const QByteArray &scenario)
{
    const auto get = [](const char *target, QByteArray headers = {}) {
        return GoldenRequest{"GET", target, std::move(headers)};
    };
    if (scenario == "token") {
        return {get("/health"),
                get("/high_value_addr"),
                get("/nope"),
                get("/high_value_addr", "Authorization: Bearer wrong\r\n"),
                get("/high_value_addr?limit=2", "Authorization: Bearer golden-token\r\n"),
                get("/high_value_addr?limit=0", "Authorization: bearer golden-token\r\n"),
                GoldenRequest{"POST", "/api/v1/stats", "Authorization: Bearer golden-token\r\n"}};
    }
    if (scenario == "cors") {
        const QByteArray origin = "Origin: http://app.example\r\n";
        return {get("/health", origin),
                get("/health", "Origin: http://evil.example\r\n"),
                get("/api/v1/minutes?minutes=2", origin),
                GoldenRequest{"OPTIONS", "/high_value_addr", origin + "Access-Control-Request-Method: GET\r\n"},
                GoldenRequest{"OPTIONS", "/high_value_addr", origin},
                GoldenRequest{"OPTIONS", "/nope", origin + "Access-Control-Request-Method: GET\r\n"},
                GoldenRequest{"DELETE", "/show_transactions", origin},
                GoldenRequest{"HEAD", "/api/v1/addresses/top?limit=2", origin}};
    }
    if (scenario == "not ready") {
        return {get("/health"), get("/show_transactions"), get("/high_value_addr?limit=3"),
                get("/transactions_count_per_minute/3"), get("/transactions_count_per_minute/60"),
                get("/api/v1/transactions"), get("/api/v1/addresses/top"), get("/api/v1/minutes?minutes=3"),
                get("/api/v1/minutes?format=xml"), get("/api/v1/stats"), get("/metrics")};
    }
    return {
        get("/health"),
        get("/health?x=1"),
        get("/show_transactions"),
        get("/show_transactions?limit=5"),
        get("/high_value_addr"),
        get("/high_value_addr?limit=5"),
        get("/high_value_addr?limit=1000"),
        get("/high_value_addr?limit=0"),
        get("/high_value_addr?limit=1001"),
        get("/high_value_addr?limit=-5"),
        get("/high_value_addr?limit=abc"),
        get("/high_value_addr?limit=05"),
        get("/high_value_addr?limit="),
        get("/high_value_addr?limit"),
        get("/high_value_addr?limit=5&limit=6"),
        get("/high_value_addr?foo=1"),
        get("/high_value_addr?%00=1"),
        get("/high_value_addr?limit=5&"),
        get("/high_value_addr?limit=99999999999999999999"),
        get("/high_value_addr?limit=%35"),
        get("/transactions_count_per_minute/0"),
        get("/transactions_count_per_minute/7"),
        get("/transactions_count_per_minute/59"),
        get("/transactions_count_per_minute/%35"),
        get("/transactions_count_per_minute/60"),
        get("/transactions_count_per_minute/-1"),
        get("/transactions_count_per_minute/05"),
        get("/transactions_count_per_minute/1.5"),
        get("/transactions_count_per_minute/%zz"),
        get("/transactions_count_per_minute/"),
        get("/transactions_count_per_minute/5?x=1"),
        get("/transactions_count_per_minute/60?x=1"),
        get("/transactions_count_per_minute/5/6"),
        get("/api/v1/transactions"),
        get("/api/v1/transactions?limit=2"),
        get("/api/v1/transactions?limit=3&format=csv"),
        get("/api/v1/transactions?format=json&limit=1"),
        get("/api/v1/transactions?limit=101"),
        get("/api/v1/transactions?format=xml"),
        get("/api/v1/transactions?format=xml&limit=0"),
        get("/api/v1/addresses/top"),
        get("/api/v1/addresses/top?limit=3"),
        get("/api/v1/addresses/top?limit=4&format=csv"),
        get("/api/v1/addresses/top?window_minutes=180&limit=2"),
        get("/api/v1/addresses/top?window_minutes=60"),
        get("/api/v1/addresses/top?window_minutes=181"),
        get("/api/v1/addresses/top?window_minutes=60&format=xml"),
        get("/api/v1/addresses/top?limit=0&window_minutes=60"),
        get("/api/v1/addresses/top?format=xml&limit=2"),
        get("/api/v1/minutes"),
        get("/api/v1/minutes?minutes=3"),
        get("/api/v1/minutes?minutes=180&format=csv"),
        get("/api/v1/minutes?minutes=55&format=csv"),
        get("/api/v1/minutes?minutes=181"),
        get("/api/v1/minutes?minutes=0"),
        get("/api/v1/minutes?format=xml"),
        get("/api/v1/minutes?format="),
        get("/api/v1/stats"),
        get("/api/v1/stats?verbose=1"),
        get("/api/v1/openapi.json"),
        get("/api/v1/openapi.json?x=1"),
        get("/metrics?x=1"),
        get("/nope"),
        get("/show_transactions/"),
        get("/show%5Ftransactions"),
        get("/api/v1"),
        get("/health#x"),
        get("*"),
        GoldenRequest{"HEAD", "/high_value_addr?limit=7", {}},
        GoldenRequest{"HEAD", "/api/v1/minutes?format=csv", {}},
        GoldenRequest{"HEAD", "/nope", {}},
        GoldenRequest{"POST", "/high_value_addr", {}},
        GoldenRequest{"PUT", "/api/v1/stats", {}},
        GoldenRequest{"OPTIONS", "/health", {}},
        GoldenRequest{"POST", "/nope", {}},
        GoldenRequest{"GET", "/health", "Connection: close\r\n"},
        get("/metrics"),
    };
}

} // namespace

class TestHttpApi : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void showTransactions();
    void highValueAddresses();
    void minuteCount_data();
    void minuteCount();
    void badInputs_data();
    void badInputs();
    void methods_data();
    void methods();
    void head();
    void health();
    void v1Transactions();
    void v1TopAddresses();
    void v1Minutes();
    void v1Stats();
    void openApi();
    void metrics();
    void csvIsRfc4180();
    void notReady();
    void ingestRoleKeepsNoWindow();
    void tokenEnforced();
    void nonLoopbackNeedsToken();
    void bindFailureIsAnError();
    void hostHeader_data();
    void hostHeader();
    void oversizedRequests_data();
    void oversizedRequests();
    void slowClientIsClosed();
    void connectionCap();
    void pipelinedRequests();
    void http10ClosesConnection();
    void cors();
    void cachePerSnapshot();
    void goldenAnswers_data();
    void goldenAnswers();
    void openApiDescribesEveryRoute();

private:
    HttpResult get(const QString &pathAndQuery, const QByteArray &method = "GET",
                   const QList<std::pair<QByteArray, QByteArray>> &headers = {}, HttpApi *api = nullptr);

    SnapshotHub m_hub;
    SnapshotPtr m_snapshot;
    std::unique_ptr<HttpApi> m_api;
    QNetworkAccessManager m_nam;
};

void TestHttpApi::initTestCase()
{
    qunsetenv("TXPULSE_HTTP_TOKEN");
    m_snapshot = makeSnapshot();
    m_hub.publish(m_snapshot);
    Config config = test::localApiConfig();
    m_api = std::make_unique<HttpApi>(config, m_hub);
    const Expected<void> started = m_api->start();
    QVERIFY2(started, qPrintable(started ? QString() : started.error().message));
    QVERIFY(m_api->port() != 0);
    QCOMPARE(m_api->address(), QHostAddress(QHostAddress::LocalHost));
}

void TestHttpApi::cleanupTestCase()
{
    m_api.reset();
}

HttpResult TestHttpApi::get(const QString &pathAndQuery, const QByteArray &method,
                            const QList<std::pair<QByteArray, QByteArray>> &headers, HttpApi *api)
{
    HttpApi *target = api ? api : m_api.get();
    QNetworkRequest request(
        QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(target->port()) + pathAndQuery.toLatin1()));
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = m_nam.sendCustomRequest(request, method);
    (void)QTest::qWaitFor([reply] { return reply->isFinished(); }, 5000);
    HttpResult r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        r.headers.insert(name.toLower(), value);
    reply->deleteLater();
    return r;
}

void TestHttpApi::showTransactions()
{
    const HttpResult r = get(QStringLiteral("/show_transactions"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.headers.value("content-type"), QByteArray("application/json"));
    QCOMPARE(r.headers.value("x-content-type-options"), QByteArray("nosniff"));
    QCOMPARE(r.headers.value("cache-control"), QByteArray("no-store"));
    const QJsonArray array = QJsonDocument::fromJson(r.body).array();
    QCOMPARE(array.size(), static_cast<qsizetype>(m_snapshot->view.latest.size()));
    for (qsizetype i = 0; i < array.size(); ++i) // the feed message itself, in order, newest first
        QCOMPARE(array[i].toObject(), QJsonDocument::fromJson(m_snapshot->view.latest[std::size_t(i)]).object());
    QCOMPARE(array[0].toObject()[QStringLiteral("op")].toString(), QStringLiteral("utx"));
}

void TestHttpApi::highValueAddresses()
{
    for (const auto &[query, expected] : {std::pair{QString(), 100}, std::pair{QStringLiteral("?limit=5"), 5},
                                          std::pair{QStringLiteral("?limit=1"), 1},
                                          std::pair{QStringLiteral("?limit=1000"), kTopCount}}) {
        const HttpResult r = get(QStringLiteral("/high_value_addr") + query);
        QCOMPARE(r.status, 200);
        const QJsonArray array = QJsonDocument::fromJson(r.body).array();
        QCOMPARE(array.size(), expected);
        for (int i = 0; i < array.size(); ++i) {
            const QJsonArray pair = array[i].toArray();
            QCOMPARE(pair.size(), 2);
            QCOMPARE(pair[0].toString().toStdString(), addressFor(i));
            QCOMPARE(pair[1].toInteger(), satoshisFor(i));
        }
    }
}

void TestHttpApi::minuteCount_data()
{
    QTest::addColumn<int>("m");
    QTest::addColumn<bool>("gap");
    QTest::newRow("0: an hour ago") << 0 << false;
    QTest::newRow("7: in a feed gap") << 7 << true;
    QTest::newRow("30") << 30 << false;
    QTest::newRow("59: a minute ago") << 59 << false;
}

void TestHttpApi::minuteCount()
{
    QFETCH(int, m);
    QFETCH(bool, gap);
    const HttpResult r = get(QStringLiteral("/transactions_count_per_minute/%1").arg(m));
    QCOMPARE(r.status, 200);
    const QJsonArray array = QJsonDocument::fromJson(r.body).array();
    QCOMPARE(array.size(), 2);
    const std::int64_t minute = kCurrentMinute - 60 + m;
    const QString hhmm = QDateTime::fromSecsSinceEpoch(minute * 60, Qt::UTC).toString(QStringLiteral("HH:mm"));
    QCOMPARE(array[0].toString(), hhmm);
    QCOMPARE(array[1].toInteger(), countFor(minute));
    QCOMPARE(r.headers.value("x-txpulse-gap") == "1", gap);
}

void TestHttpApi::badInputs_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("reason"); // a word the reason must contain
    QTest::addColumn<bool>("raw");       // sent over a raw socket: QUrl would normalise it

    const QString tcpm = QStringLiteral("/transactions_count_per_minute/");
    QTest::newRow("m=-1") << tcpm + "-1" << 400 << "not a decimal integer" << false;
    QTest::newRow("m=60") << tcpm + "60" << 400 << "out of range" << false;
    QTest::newRow("m=abc") << tcpm + "abc" << 400 << "not a decimal integer" << false;
    QTest::newRow("m=1.5") << tcpm + "1.5" << 400 << "not a decimal integer" << false;
    QTest::newRow("m=%00") << tcpm + "%00" << 400 << "not a decimal integer" << false;
    QTest::newRow("m=%zz") << tcpm + "%zz" << 400 << "percent-encoding" << true;
    QTest::newRow("m=huge") << tcpm + "99999999999999999999" << 400 << "out of range" << false;
    QTest::newRow("m=+5") << tcpm + "+5" << 400 << "not a decimal integer" << false;
    QTest::newRow("m=05") << tcpm + "05" << 400 << "leading zero" << false;
    QTest::newRow("m=05?") << tcpm + "05?" << 400 << "leading zero" << false;
    QTest::newRow("m=empty") << tcpm << 400 << "empty" << false;
    QTest::newRow("m=1e1") << tcpm + "1e1" << 400 << "not a decimal integer" << false;
    QTest::newRow("m= 5") << tcpm + "%205" << 400 << "not a decimal integer" << false;
    QTest::newRow("m=5 with query") << tcpm + "5?x=1" << 400 << "unknown query parameter 'x'" << false;
    QTest::newRow("extra segment") << tcpm + "5/6" << 404 << "no such route" << false;
    QTest::newRow("limit=0") << "/high_value_addr?limit=0" << 400 << "out of range" << false;
    QTest::newRow("limit=1001") << "/high_value_addr?limit=1001" << 400 << "out of range" << false;
    QTest::newRow("limit=-5") << "/high_value_addr?limit=-5" << 400 << "not a decimal integer" << false;
    QTest::newRow("limit=abc") << "/high_value_addr?limit=abc" << 400 << "not a decimal integer" << false;
    QTest::newRow("limit empty") << "/high_value_addr?limit=" << 400 << "empty" << false;
    QTest::newRow("limit no value") << "/high_value_addr?limit" << 400 << "without a value" << false;
    QTest::newRow("limit repeated") << "/high_value_addr?limit=5&limit=6" << 400 << "more than once" << false;
    QTest::newRow("unknown key") << "/high_value_addr?foo=1" << 400 << "unknown query parameter 'foo'" << false;
    QTest::newRow("empty pair") << "/high_value_addr?limit=5&" << 400 << "empty query parameter" << false;
    QTest::newRow("limit huge") << "/high_value_addr?limit=99999999999999999999" << 400 << "out of range" << false;
    QTest::newRow("format=xml") << "/api/v1/minutes?format=xml" << 400 << "json or csv" << false;
    QTest::newRow("minutes=181") << "/api/v1/minutes?minutes=181" << 400 << "out of range" << false;
    QTest::newRow("minutes=0") << "/api/v1/minutes?minutes=0" << 400 << "out of range" << false;
    QTest::newRow("window=60") << "/api/v1/addresses/top?window_minutes=60" << 400 << "only the 180-minute" << false;
    QTest::newRow("window=181") << "/api/v1/addresses/top?window_minutes=181" << 400 << "out of range" << false;
    QTest::newRow("tx limit=101") << "/api/v1/transactions?limit=101" << 400 << "out of range" << false;
    QTest::newRow("stats with key") << "/api/v1/stats?verbose=1" << 400 << "unknown query parameter" << false;
    QTest::newRow("unknown route") << "/nope" << 404 << "no such route" << false;
    QTest::newRow("trailing slash") << "/show_transactions/" << 404 << "no such route" << false;
    QTest::newRow("encoded name") << "/show%5Ftransactions" << 404 << "no such route" << true;
}

void TestHttpApi::badInputs()
{
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(QString, reason);
    QFETCH(bool, raw);
    const HttpResult r = raw ? rawExchange(m_api->port(), "GET " + path.toLatin1() + " HTTP/1.1\r\nHost: 127.0.0.1:"
                                                             + QByteArray::number(m_api->port()) + "\r\n\r\n")
                                   .value(0)
                             : get(path);
    QCOMPARE(r.status, status);
    QCOMPARE(r.headers.value("content-type"), QByteArray("application/json"));
    const QJsonObject body = QJsonDocument::fromJson(r.body).object();
    QVERIFY2(!body.value(QStringLiteral("error")).toString().isEmpty(), r.body.constData());
    QVERIFY2(body.value(QStringLiteral("reason")).toString().contains(reason), r.body.constData());
}

void TestHttpApi::methods_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::newRow("POST legacy") << QByteArray("POST") << QStringLiteral("/high_value_addr") << 405;
    QTest::newRow("PUT v1") << QByteArray("PUT") << QStringLiteral("/api/v1/stats") << 405;
    QTest::newRow("DELETE") << QByteArray("DELETE") << QStringLiteral("/show_transactions") << 405;
    QTest::newRow("OPTIONS without CORS") << QByteArray("OPTIONS") << QStringLiteral("/health") << 405;
    QTest::newRow("TRACE") << QByteArray("TRACE") << QStringLiteral("/metrics") << 405;
    QTest::newRow("POST unknown route") << QByteArray("POST") << QStringLiteral("/nope") << 404;
}

void TestHttpApi::methods()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, status);
    const HttpResult r = get(path, method);
    QCOMPARE(r.status, status);
    if (status == 405)
        QCOMPARE(r.headers.value("allow"), QByteArray("GET, HEAD"));
    QVERIFY(QJsonDocument::fromJson(r.body).object().contains(QStringLiteral("reason")));
}

void TestHttpApi::head()
{
    const HttpResult full = get(QStringLiteral("/high_value_addr?limit=7"));
    const QByteArray port = QByteArray::number(m_api->port());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_api->port());
    QVERIFY(socket.waitForConnected(3000));
    // HEAD then GET on one connection: if HEAD sent a body, the second response would not parse.
    socket.write("HEAD /high_value_addr?limit=7 HTTP/1.1\r\nHost: 127.0.0.1:" + port
                 + "\r\n\r\nGET /health HTTP/1.1\r\nHost: localhost:" + port + "\r\n\r\n");
    QByteArray data;
    HttpResult second;
    QVERIFY(QTest::qWaitFor([&] {
        data += socket.readAll();
        const qsizetype end = data.indexOf("\r\n\r\n");
        return end >= 0 && parseResponse(data.mid(end + 4), &second);
    }, 5000));
    const QByteArray first = data.left(data.indexOf("\r\n\r\n"));
    QVERIFY(first.startsWith("HTTP/1.1 200 OK\r\n"));
    QVERIFY2(first.toLower().contains(QByteArray("content-length: " + QByteArray::number(full.body.size()))),
             first.constData());
    QCOMPARE(second.status, 200);
    QCOMPARE(QJsonDocument::fromJson(second.body).object().value(QStringLiteral("status")).toString(),
             QStringLiteral("ok"));
}

void TestHttpApi::health()
{
    const HttpResult r = get(QStringLiteral("/health"));
    QCOMPARE(r.status, 200);
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    QCOMPARE(o[QStringLiteral("status")].toString(), QStringLiteral("ok"));
    QCOMPARE(o[QStringLiteral("mode")].toString(), QStringLiteral("standalone"));
    QCOMPARE(o[QStringLiteral("role")].toString(), QStringLiteral("all"));
    QCOMPARE(o[QStringLiteral("feed")].toString(), QStringLiteral("connected"));
    QCOMPARE(o[QStringLiteral("kafka")].toString(), QStringLiteral("disabled"));
    QCOMPARE(o[QStringLiteral("redis")].toString(), QStringLiteral("disabled"));
    QCOMPARE(o[QStringLiteral("lag")].toInteger(), 17);
    QVERIFY(o[QStringLiteral("ready")].toBool());

    // A configured part that is down makes the service unhealthy.
    auto down = std::make_shared<Snapshot>(*m_snapshot);
    down->mode = Mode::Pipeline;
    down->stats.kafkaState = ComponentState::Connected;
    down->stats.redisState = ComponentState::Reconnecting;
    m_hub.publish(down);
    const HttpResult bad = get(QStringLiteral("/health"));
    m_hub.publish(m_snapshot);
    QCOMPARE(bad.status, 503);
    const QJsonObject b = QJsonDocument::fromJson(bad.body).object();
    QCOMPARE(b[QStringLiteral("status")].toString(), QStringLiteral("unavailable"));
    QCOMPARE(b[QStringLiteral("redis")].toString(), QStringLiteral("reconnecting"));
    QVERIFY(b[QStringLiteral("problems")].toArray().contains(QStringLiteral("redis reconnecting")));
}

void TestHttpApi::v1Transactions()
{
    const HttpResult r = get(QStringLiteral("/api/v1/transactions?limit=3"));
    QCOMPARE(r.status, 200);
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    const QJsonArray items = o[QStringLiteral("items")].toArray();
    QCOMPARE(items.size(), 3);
    QCOMPARE(o[QStringLiteral("count")].toInt(), 3);
    for (int i = 0; i < 3; ++i) {
        const Transaction &t = m_snapshot->latest[std::size_t(i)];
        const QJsonObject item = items[i].toObject();
        QCOMPARE(item[QStringLiteral("hash")].toString().toStdString(), t.hash);
        QCOMPARE(item[QStringLiteral("time_unix")].toInteger(), t.time);
        QCOMPARE(item[QStringLiteral("time")].toString(),
                 QDateTime::fromSecsSinceEpoch(t.time, Qt::UTC).toString(Qt::ISODate));
        QCOMPARE(item[QStringLiteral("total_out")].toInteger(), t.totalOut);
        QCOMPARE(item[QStringLiteral("outputs")].toInt(), int(t.outputs.size()));
        QCOMPARE(item[QStringLiteral("raw")].toObject(), QJsonDocument::fromJson(t.raw).object());
        if (t.fee)
            QCOMPARE(item[QStringLiteral("fee")].toInteger(), *t.fee);
        else
            QVERIFY(item[QStringLiteral("fee")].isNull());
    }

    const HttpResult csv = get(QStringLiteral("/api/v1/transactions?format=csv&limit=2"));
    QCOMPARE(csv.status, 200);
    QCOMPARE(csv.headers.value("content-type"), QByteArray("text/csv; charset=utf-8"));
    QString why;
    const QList<QStringList> rows = parseCsv(csv.body, &why);
    QVERIFY2(why.isEmpty(), qPrintable(why));
    QCOMPARE(rows.size(), 3);
    // The API's columns, then the window's BTC amount (exact, 8 decimals).
    QCOMPARE(rows[0].join(QLatin1Char(',')),
             QStringLiteral("hash,time,size,inputs,outputs,total_in,total_out,fee,total_out_btc"));
    QCOMPARE(rows[1][0].toStdString(), m_snapshot->latest[0].hash);
    QCOMPARE(rows[1][6].toLongLong(), m_snapshot->latest[0].totalOut);
    QCOMPARE(qRound64(rows[1][8].toDouble() * 1e8), m_snapshot->latest[0].totalOut);
    QCOMPARE(rows[1][8].section(QLatin1Char('.'), 1).size(), 8);
}

void TestHttpApi::v1TopAddresses()
{
    const HttpResult r = get(QStringLiteral("/api/v1/addresses/top?limit=4&window_minutes=180"));
    QCOMPARE(r.status, 200);
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    QCOMPARE(o[QStringLiteral("window_minutes")].toInt(), 180);
    QCOMPARE(o[QStringLiteral("ranked_addresses")].toInteger(), 100'000);
    QCOMPARE(o[QStringLiteral("ranked_satoshis")].toInteger(), 123'456'789'000);
    const QJsonArray items = o[QStringLiteral("items")].toArray();
    QCOMPARE(items.size(), 4);
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(items[i][QStringLiteral("rank")].toInt(), i + 1);
        QCOMPARE(items[i][QStringLiteral("address")].toString().toStdString(), addressFor(i));
        QCOMPARE(items[i][QStringLiteral("satoshis")].toInteger(), satoshisFor(i));
    }
}

void TestHttpApi::v1Minutes()
{
    const HttpResult r = get(QStringLiteral("/api/v1/minutes?minutes=180"));
    QCOMPARE(r.status, 200);
    const QJsonArray items = QJsonDocument::fromJson(r.body).object()[QStringLiteral("items")].toArray();
    QCOMPARE(items.size(), 180);
    for (int i = 0; i < items.size(); ++i) {
        const std::int64_t minute = kCurrentMinute - 179 + i;
        const QJsonObject item = items[i].toObject();
        QCOMPARE(item[QStringLiteral("minute")].toString(),
                 QDateTime::fromSecsSinceEpoch(minute * 60, Qt::UTC).toString(Qt::ISODate));
        QCOMPARE(item[QStringLiteral("count")].toInteger(), countFor(minute));
        QCOMPARE(item[QStringLiteral("gap")].toBool(), minute == kGapMinute);
        QCOMPARE(item[QStringLiteral("partial")].toBool(), minute == kCurrentMinute);
    }
    const HttpResult def = get(QStringLiteral("/api/v1/minutes"));
    QCOMPARE(QJsonDocument::fromJson(def.body).object()[QStringLiteral("items")].toArray().size(), 60);

    const HttpResult csv = get(QStringLiteral("/api/v1/minutes?format=csv&minutes=61"));
    QString why;
    const QList<QStringList> rows = parseCsv(csv.body, &why);
    QVERIFY2(why.isEmpty(), qPrintable(why));
    QCOMPARE(rows.size(), 62);
    QCOMPARE(rows[0], (QStringList{"minute", "count", "gap", "partial"}));
    // Row 1 is the legacy route's m = 0 (60 minutes before the current one); the gap row says so.
    QCOMPARE(rows[1][1].toLongLong(), countFor(kCurrentMinute - 60));
    QCOMPARE(rows[1 + 7][2], QStringLiteral("true"));
    QCOMPARE(rows[61][3], QStringLiteral("true"));
}

void TestHttpApi::v1Stats()
{
    const HttpResult r = get(QStringLiteral("/api/v1/stats"));
    QCOMPARE(r.status, 200);
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    QCOMPARE(o[QStringLiteral("feed")][QStringLiteral("messages")].toInteger(), 4242);
    QCOMPARE(o[QStringLiteral("feed")][QStringLiteral("state")].toString(), QStringLiteral("connected"));
    QCOMPARE(o[QStringLiteral("feed")][QStringLiteral("rejects_by_reason")][QStringLiteral("bad_hash")].toInteger(), 3);
    QCOMPARE(o[QStringLiteral("kafka")][QStringLiteral("consumer_lag")].toInteger(), 17);
    QCOMPARE(o[QStringLiteral("tx_per_second")].toDouble(), 6.5);
    QVERIFY(o[QStringLiteral("rates")].isObject());
    QVERIFY(o[QStringLiteral("store")].isObject());
}

void TestHttpApi::openApi()
{
    const HttpResult r = get(QStringLiteral("/api/v1/openapi.json"));
    QCOMPARE(r.status, 200);
    QJsonParseError error;
    const QJsonObject doc = QJsonDocument::fromJson(r.body, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QVERIFY(doc[QStringLiteral("openapi")].toString().startsWith(QStringLiteral("3.0")));
    const QJsonObject paths = doc[QStringLiteral("paths")].toObject();
    for (const char *p : {"/health", "/show_transactions", "/high_value_addr", "/transactions_count_per_minute/{m}",
                          "/api/v1/transactions", "/api/v1/addresses/top", "/api/v1/minutes", "/api/v1/stats",
                          "/api/v1/openapi.json", "/metrics"}) {
        QVERIFY2(paths.contains(QLatin1String(p)), p);
        QVERIFY2(paths[QLatin1String(p)][QStringLiteral("get")][QStringLiteral("responses")].toObject().contains(
                     QStringLiteral("405")),
                 p);
    }
    // Every $ref points at something that exists.
    const QByteArray text = r.body;
    static const QRegularExpression ref(QString::fromLatin1("\"\\$ref\": \"#/components/(\\w+)/(\\w+)\""));
    const QJsonObject components = doc[QStringLiteral("components")].toObject();
    auto it = ref.globalMatch(QString::fromUtf8(text));
    int refs = 0;
    while (it.hasNext()) {
        const auto m = it.next();
        QVERIFY2(components[m.captured(1)].toObject().contains(m.captured(2)), qPrintable(m.captured(0)));
        ++refs;
    }
    QVERIFY(refs > 20);
}

void TestHttpApi::metrics()
{
    QCOMPARE(get(QStringLiteral("/transactions_count_per_minute/5")).status, 200);
    QCOMPARE(get(QStringLiteral("/transactions_count_per_minute/6")).status, 200);
    QCOMPARE(get(QStringLiteral("/transactions_count_per_minute/77")).status, 400);
    const HttpResult r = get(QStringLiteral("/metrics"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.headers.value("content-type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
    QList<PromSample> samples;
    QString why;
    QVERIFY2(parsePrometheus(r.body, &samples, &why), qPrintable(why));

    const auto find = [&](const QString &name, const std::map<QString, QString> &labels = {}) -> const PromSample * {
        for (const PromSample &s : samples) {
            if (s.name == name && std::all_of(labels.begin(), labels.end(), [&](const auto &kv) {
                    const auto it = s.labels.find(kv.first);
                    return it != s.labels.end() && it->second == kv.second;
                }))
                return &s;
        }
        return nullptr;
    };
    QVERIFY(find(QStringLiteral("txpulse_feed_messages_total")));
    QCOMPARE(find(QStringLiteral("txpulse_feed_messages_total"))->value, 4242.0);
    QCOMPARE(find(QStringLiteral("txpulse_feed_state"), {{"state", "connected"}})->value, 1.0);
    QCOMPARE(find(QStringLiteral("txpulse_feed_state"), {{"state", "down"}})->value, 0.0);
    QCOMPARE(find(QStringLiteral("txpulse_feed_rejected_total"), {{"reason", "bad_hash"}})->value, 3.0);
    QCOMPARE(find(QStringLiteral("txpulse_kafka_consumer_lag"))->value, 17.0);
    int reasons = 0;
    for (const PromSample &s : samples)
        reasons += s.name == QLatin1String("txpulse_feed_rejected_total");
    QCOMPARE(reasons, int(kParseErrorCount));

    const PromSample *ok = find(QStringLiteral("txpulse_http_requests_total"),
                                {{"route", "/transactions_count_per_minute/{m}"}, {"code", "200"}});
    QVERIFY(ok);
    QVERIFY(ok->value >= 2);
    QVERIFY(find(QStringLiteral("txpulse_http_requests_total"),
                 {{"route", "/transactions_count_per_minute/{m}"}, {"code", "400"}}));
    for (const PromSample &s : samples) { // labels are templates, never raw paths
        if (s.name == QLatin1String("txpulse_http_requests_total"))
            QVERIFY2(!s.labels.at(QStringLiteral("route")).contains(QLatin1String("/5")), qPrintable(s.labels.at("route")));
    }
}

void TestHttpApi::csvIsRfc4180()
{
    const HttpResult r = get(QStringLiteral("/api/v1/addresses/top?format=csv&limit=3"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.contains("\"bc1q\"\"odd,addr\"")); // quoted, inner quote doubled
    QString why;
    const QList<QStringList> rows = parseCsv(r.body, &why);
    QVERIFY2(why.isEmpty(), qPrintable(why));
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows[0], (QStringList{"rank", "address", "satoshis", "btc", "share_percent"}));
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(rows[i + 1].size(), 5);
        QCOMPARE(rows[i + 1][0].toInt(), i + 1);
        QCOMPARE(rows[i + 1][1].toStdString(), addressFor(i));
        QCOMPARE(rows[i + 1][2].toLongLong(), satoshisFor(i));
        QCOMPARE(qRound64(rows[i + 1][3].toDouble() * 1e8), satoshisFor(i));
        const double share = 100.0 * double(satoshisFor(i)) / double(m_snapshot->view.rankedSatoshis);
        QCOMPARE(rows[i + 1][4], QString::number(share, 'f', 4));
    }
    // The JSON side escapes the same address.
    const QJsonArray hv = QJsonDocument::fromJson(get(QStringLiteral("/high_value_addr?limit=3")).body).array();
    QCOMPARE(hv[2][0].toString().toStdString(), addressFor(2));
}

void TestHttpApi::notReady()
{
    SnapshotHub hub; // holds the default snapshot: ready == false
    Config config = test::localApiConfig();
    HttpApi api(config, hub);
    QVERIFY(api.start());
    for (const char *path : {"/show_transactions", "/high_value_addr", "/transactions_count_per_minute/3",
                             "/api/v1/transactions", "/api/v1/addresses/top", "/api/v1/minutes"}) {
        const HttpResult r = get(QLatin1String(path), "GET", {}, &api);
        QCOMPARE(r.status, 503);
        QCOMPARE(QJsonDocument::fromJson(r.body).object()[QStringLiteral("error")].toString(), QStringLiteral("not_ready"));
        QCOMPARE(r.headers.value("retry-after"), QByteArray("1"));
    }
    QCOMPARE(get(QStringLiteral("/health"), "GET", {}, &api).status, 503);
    QCOMPARE(get(QStringLiteral("/metrics"), "GET", {}, &api).status, 200);
    QCOMPARE(get(QStringLiteral("/api/v1/stats"), "GET", {}, &api).status, 200);
    // Bad parameters are still 400, not 503.
    QCOMPARE(get(QStringLiteral("/transactions_count_per_minute/60"), "GET", {}, &api).status, 400);
}

// Role ingest keeps no window (IngestView): its snapshot holds the latest transactions and the counters. Those
// routes answer as in every role; the ones that need the window are 503 "not_served", for good (no Retry-After).
void TestHttpApi::ingestRoleKeepsNoWindow()
{
    const SnapshotPtr full = makeSnapshot();
    auto ingest = std::make_shared<Snapshot>();
    ingest->generatedMs = full->generatedMs;
    ingest->role = Role::Ingest;
    ingest->mode = Mode::Pipeline;
    ingest->ready = true;
    ingest->view.nowMs = full->view.nowMs;
    ingest->view.latest = full->view.latest;
    ingest->latest = full->latest;
    ingest->stats = full->stats;
    ingest->stats.kafkaState = ComponentState::Connected;
    SnapshotHub hub;
    hub.publish(ingest);
    Config config = test::localApiConfig();
    HttpApi api(config, hub);
    QVERIFY(api.start());

    for (const char *path : {"/high_value_addr", "/transactions_count_per_minute/3", "/api/v1/addresses/top",
                             "/api/v1/minutes?format=csv"}) {
        const HttpResult r = get(QLatin1String(path), "GET", {}, &api);
        QCOMPARE(r.status, 503);
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(o[QStringLiteral("error")].toString(), QStringLiteral("not_served"));
        QVERIFY2(o[QStringLiteral("reason")].toString().contains(QLatin1String("role ingest keeps no window")),
                 r.body.constData());
        QVERIFY(!r.headers.contains("retry-after"));
    }
    // The latest transactions: the same bytes as from any role's snapshot with the same latest list.
    for (const char *path : {"/show_transactions", "/api/v1/transactions?limit=5", "/api/v1/transactions?format=csv"}) {
        const HttpResult r = get(QLatin1String(path), "GET", {}, &api);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, get(QLatin1String(path)).body);
    }
    const HttpResult health = get(QStringLiteral("/health"), "GET", {}, &api);
    QCOMPARE(health.status, 200);
    QCOMPARE(QJsonDocument::fromJson(health.body).object()[QStringLiteral("role")].toString(), QStringLiteral("ingest"));
    QCOMPARE(get(QStringLiteral("/api/v1/stats"), "GET", {}, &api).status, 200);
    QVERIFY(get(QStringLiteral("/metrics"), "GET", {}, &api).body.contains("role=\"ingest\""));
    // Bad parameters are still 400.
    QCOMPARE(get(QStringLiteral("/transactions_count_per_minute/60"), "GET", {}, &api).status, 400);
    QCOMPARE(get(QStringLiteral("/api/v1/minutes?minutes=0"), "GET", {}, &api).status, 400);
}

void TestHttpApi::tokenEnforced()
{
    Config config = test::localApiConfig();
    config.httpToken = QStringLiteral("s3cret-token-for-tests");
    HttpApi api(config, m_hub);
    QVERIFY(api.start());

    HttpResult r = get(QStringLiteral("/high_value_addr"), "GET", {}, &api);
    QCOMPARE(r.status, 401);
    QCOMPARE(r.headers.value("www-authenticate"), QByteArray("Bearer realm=\"txpulse\""));
    r = get(QStringLiteral("/nope"), "GET", {}, &api); // no route discovery without the token
    QCOMPARE(r.status, 401);
    r = get(QStringLiteral("/high_value_addr"), "GET", {{"Authorization", "Bearer wrong"}}, &api);
    QCOMPARE(r.status, 401);
    QVERIFY(r.headers.value("www-authenticate").contains("invalid_token"));
    r = get(QStringLiteral("/high_value_addr"), "GET", {{"Authorization", "Bearer s3cret-token-for-test"}}, &api);
    QCOMPARE(r.status, 401);
    r = get(QStringLiteral("/high_value_addr"), "GET", {{"Authorization", "Basic s3cret-token-for-tests"}}, &api);
    QCOMPARE(r.status, 401);
    r = get(QStringLiteral("/high_value_addr?limit=2"), "GET", {{"Authorization", "Bearer s3cret-token-for-tests"}}, &api);
    QCOMPARE(r.status, 200);
    QCOMPARE(QJsonDocument::fromJson(r.body).array().size(), 2);
    QCOMPARE(get(QStringLiteral("/metrics"), "GET", {{"Authorization", "bearer s3cret-token-for-tests"}}, &api).status, 200);
    QCOMPARE(get(QStringLiteral("/health"), "GET", {}, &api).status, 200);
}

void TestHttpApi::nonLoopbackNeedsToken()
{
    Config config = test::localApiConfig();
    config.httpHost = QStringLiteral("0.0.0.0");
    {
        HttpApi api(config, m_hub);
        const Expected<void> started = api.start();
        QVERIFY(!started);
        QCOMPARE(started.error().code, QStringLiteral("http.insecure"));
        QVERIFY(started.error().message.contains(QLatin1String("TXPULSE_HTTP_TOKEN")));
        QVERIFY(!api.isListening());
    }
    {
        config.httpHost = QStringLiteral("not-an-address");
        HttpApi api(config, m_hub);
        const Expected<void> started = api.start();
        QVERIFY(!started);
        QCOMPARE(started.error().code, QStringLiteral("http.address"));
    }
    {
        config.httpHost = QStringLiteral("0.0.0.0");
        config.httpToken = QStringLiteral("token");
        HttpApi api(config, m_hub);
        QVERIFY(api.start());
        QVERIFY(api.port() != 0);
        // Bound to a wildcard: an IP-literal Host is accepted, a name other than localhost is not.
        const QByteArray port = QByteArray::number(api.port());
        const QByteArray auth = "Authorization: Bearer token\r\n";
        QCOMPARE(rawExchange(api.port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + auth + "\r\n")
                     .value(0).status, 200);
        QCOMPARE(rawExchange(api.port(), "GET /metrics HTTP/1.1\r\nHost: attacker.example:" + port + "\r\n" + auth + "\r\n")
                     .value(0).status, 421);
    }
}

void TestHttpApi::bindFailureIsAnError()
{
    Config config;
    config.httpPort = m_api->port(); // taken
    HttpApi api(config, m_hub);
    const Expected<void> started = api.start();
    QVERIFY(!started);
    QCOMPARE(started.error().code, QStringLiteral("http.bind"));
    QVERIFY(started.error().message.contains(QString::number(m_api->port())));
}

void TestHttpApi::hostHeader_data()
{
    QTest::addColumn<QByteArray>("hostLines");
    QTest::addColumn<int>("status");
    QTest::newRow("127.0.0.1:port") << QByteArray("Host: 127.0.0.1:PORT\r\n") << 200;
    QTest::newRow("localhost:port") << QByteArray("Host: LocalHost:PORT\r\n") << 200;
    QTest::newRow("[::1]:port") << QByteArray("Host: [::1]:PORT\r\n") << 200;
    QTest::newRow("rebinding name") << QByteArray("Host: evil.example:PORT\r\n") << 421;
    QTest::newRow("wrong port") << QByteArray("Host: 127.0.0.1:1\r\n") << 421;
    QTest::newRow("no port") << QByteArray("Host: 127.0.0.1\r\n") << 421;
    QTest::newRow("missing") << QByteArray() << 400;
    QTest::newRow("twice") << QByteArray("Host: 127.0.0.1:PORT\r\nHost: 127.0.0.1:PORT\r\n") << 400;
}

void TestHttpApi::hostHeader()
{
    QFETCH(QByteArray, hostLines);
    QFETCH(int, status);
    hostLines.replace("PORT", QByteArray::number(m_api->port()));
    const QList<HttpResult> r = rawExchange(m_api->port(), "GET /api/v1/stats HTTP/1.1\r\n" + hostLines + "\r\n");
    QCOMPARE(r.size(), 1);
    QCOMPARE(r[0].status, status);
    if (status != 200)
        QVERIFY(QJsonDocument::fromJson(r[0].body).object().contains(QStringLiteral("reason")));
}

void TestHttpApi::oversizedRequests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    const QByteArray host = "Host: 127.0.0.1:PORT\r\n";
    QTest::newRow("request line 9 KB") << "GET /health?" + QByteArray(9000, 'a') + " HTTP/1.1\r\n" + host + "\r\n" << 414;
    QTest::newRow("headers 20 KB") << "GET /health HTTP/1.1\r\n" + host + "X-Big: " + QByteArray(20000, 'b') + "\r\n\r\n"
                                   << 431;
    QByteArray many;
    for (int i = 0; i < 101; ++i)
        many += "X-H" + QByteArray::number(i) + ": v\r\n";
    QTest::newRow("101 headers") << "GET /health HTTP/1.1\r\n" + host + many + "\r\n" << 431;
    QTest::newRow("body 2 KB") << "POST /health HTTP/1.1\r\n" + host + "Content-Length: 2048\r\n\r\n" + QByteArray(2048, 'c')
                               << 413;
    QTest::newRow("body 1 GB announced") << "POST /health HTTP/1.1\r\n" + host + "Content-Length: 1000000000\r\n\r\n" << 413;
    QTest::newRow("GET with body") << "GET /health HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello" << 400;
    QTest::newRow("chunked") << "POST /health HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                             << 501;
    QTest::newRow("two lengths") << "POST /health HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"
                                 << 400;
    QTest::newRow("bad length") << "POST /health HTTP/1.1\r\n" + host + "Content-Length: +1\r\n\r\na" << 400;
    QTest::newRow("garbage line") << QByteArray("HELLO\r\n\r\n") << 400;
    QTest::newRow("HTTP/2.0") << "GET /health HTTP/2.0\r\n" + host + "\r\n" << 505;
    QTest::newRow("websocket upgrade") << "GET /health HTTP/1.1\r\n" + host
                                              + "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
                                       << 501;
    QTest::newRow("folded header") << "GET /health HTTP/1.1\r\n" + host + "X-A: 1\r\n  continued\r\n\r\n" << 400;
    QTest::newRow("small POST body is read, then 405")
        << "POST /health HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc" << 405;
}

void TestHttpApi::oversizedRequests()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    request.replace("PORT", QByteArray::number(m_api->port()));
    bool closed = false;
    const QList<HttpResult> r = rawExchange(m_api->port(), request, 1, status == 405 ? nullptr : &closed);
    QCOMPARE(r.size(), 1);
    QCOMPARE(r[0].status, status);
    QVERIFY(QJsonDocument::fromJson(r[0].body).object().contains(QStringLiteral("reason")));
    if (status != 405) {
        QCOMPARE(r[0].headers.value("connection"), QByteArray("close"));
        QVERIFY(closed);
    }
    // The server survives and keeps serving.
    QCOMPARE(get(QStringLiteral("/health")).status, 200);
}

void TestHttpApi::slowClientIsClosed()
{
    Config config = test::localApiConfig();
    HttpApi api(config, m_hub);
    HttpLimits limits;
    limits.requestTimeoutMs = 200;
    limits.idleTimeoutMs = 400;
    api.setLimits(limits);
    QVERIFY(api.start());

    QTcpSocket slow;
    slow.connectToHost(QHostAddress::LocalHost, api.port());
    QVERIFY(slow.waitForConnected(3000));
    slow.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(api.port()) + "\r\n"); // never finished
    QByteArray data;
    QVERIFY(QTest::qWaitFor([&] {
        data += slow.readAll();
        return slow.state() == QAbstractSocket::UnconnectedState;
    }, 5000));
    data += slow.readAll();
    HttpResult r;
    QVERIFY2(parseResponse(data, &r), data.constData());
    QCOMPARE(r.status, 408);

    QTcpSocket idle; // connects and says nothing: closed after the idle timeout
    idle.connectToHost(QHostAddress::LocalHost, api.port());
    QVERIFY(idle.waitForConnected(3000));
    QVERIFY(QTest::qWaitFor([&] { return idle.state() == QAbstractSocket::UnconnectedState; }, 5000));
    QVERIFY(idle.readAll().isEmpty());
}

void TestHttpApi::connectionCap()
{
    Config config = test::localApiConfig();
    HttpApi api(config, m_hub);
    HttpLimits limits;
    limits.maxConnections = 2;
    api.setLimits(limits);
    QVERIFY(api.start());
    const QByteArray request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(api.port()) + "\r\n\r\n";

    QTcpSocket a, b;
    QCOMPARE(rawExchange(api.port(), request, 1, nullptr, &a).value(0).status, 200);
    QCOMPARE(rawExchange(api.port(), request, 1, nullptr, &b).value(0).status, 200);
    bool closed = false;
    const QList<HttpResult> third = rawExchange(api.port(), request, 1, &closed);
    QCOMPARE(third.value(0).status, 503);
    QVERIFY(closed);
    // A freed slot is usable again.
    a.abort();
    QVERIFY(QTest::qWaitFor([&] { return rawExchange(api.port(), request).value(0).status == 200; }, 5000));
}

void TestHttpApi::pipelinedRequests()
{
    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(m_api->port()) + "\r\n";
    QByteArray batch;
    for (int m : {1, 2, 3})
        batch += "GET /transactions_count_per_minute/" + QByteArray::number(m) + " HTTP/1.1\r\n" + host + "\r\n";
    const QList<HttpResult> r = rawExchange(m_api->port(), batch, 3);
    QCOMPARE(r.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(r[i].status, 200);
        QCOMPARE(QJsonDocument::fromJson(r[i].body).array()[1].toInteger(), countFor(kCurrentMinute - 60 + i + 1));
    }
}

void TestHttpApi::http10ClosesConnection()
{
    bool closed = false;
    const QList<HttpResult> r = rawExchange(
        m_api->port(), "GET /health HTTP/1.0\r\nHost: 127.0.0.1:" + QByteArray::number(m_api->port()) + "\r\n\r\n", 1, &closed);
    QCOMPARE(r.value(0).status, 200);
    QCOMPARE(r.value(0).headers.value("connection"), QByteArray("close"));
    QVERIFY(closed);

    // HTTP/1.0 asking for keep-alive gets it, and says so.
    QTcpSocket socket;
    const QByteArray request = "GET /health HTTP/1.0\r\nConnection: keep-alive\r\nHost: 127.0.0.1:"
                               + QByteArray::number(m_api->port()) + "\r\n\r\n";
    for (int i = 0; i < 2; ++i) {
        const HttpResult again = rawExchange(m_api->port(), request, 1, nullptr, &socket).value(0);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.headers.value("connection"), QByteArray("keep-alive"));
    }
}

void TestHttpApi::cors()
{
    // Off by default: no CORS headers at all.
    QVERIFY(!get(QStringLiteral("/health"), "GET", {{"Origin", "http://app.example"}}).headers.contains(
        "access-control-allow-origin"));

    Config config = test::localApiConfig();
    config.httpCorsOrigins = {QStringLiteral("http://app.example")};
    HttpApi api(config, m_hub);
    QVERIFY(api.start());
    HttpResult r = get(QStringLiteral("/api/v1/stats"), "GET", {{"Origin", "http://app.example"}}, &api);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.headers.value("access-control-allow-origin"), QByteArray("http://app.example"));
    r = get(QStringLiteral("/api/v1/stats"), "GET", {{"Origin", "http://evil.example"}}, &api);
    QVERIFY(!r.headers.contains("access-control-allow-origin"));
    r = get(QStringLiteral("/high_value_addr"), "OPTIONS",
            {{"Origin", "http://app.example"}, {"Access-Control-Request-Method", "GET"}}, &api);
    QCOMPARE(r.status, 204);
    QCOMPARE(r.headers.value("access-control-allow-origin"), QByteArray("http://app.example"));
    QCOMPARE(r.headers.value("access-control-allow-methods"), QByteArray("GET, HEAD"));
    QVERIFY(r.headers.value("access-control-allow-headers").contains("Authorization"));
}

void TestHttpApi::cachePerSnapshot()
{
    const QByteArray before = get(QStringLiteral("/high_value_addr?limit=2")).body;
    auto next = std::make_shared<Snapshot>(*m_snapshot);
    next->view.top[0].satoshis += 1;
    m_hub.publish(next);
    const QByteArray after = get(QStringLiteral("/high_value_addr?limit=2")).body;
    m_hub.publish(m_snapshot);
    QVERIFY(before != after);
    QCOMPARE(QJsonDocument::fromJson(after).array()[0][1].toInteger(), satoshisFor(0) + 1);
    QCOMPARE(get(QStringLiteral("/high_value_addr?limit=2")).body, before);
}

void TestHttpApi::goldenAnswers_data()
{
    QTest::addColumn<QByteArray>("scenario");
    for (const char *name : {"plain", "token", "cors", "not ready"})
        QTest::newRow(name) << QByteArray(name);
}

// Every route with representative parameters, answered from a fixed snapshot and compared byte for byte
// (status line, headers, body) with tests/data/http_golden/<scenario>.http. Set TXPULSE_UPDATE_GOLDEN=1 to
// rewrite the files, then review the diff: a change there is a change every client sees.
void TestHttpApi::goldenAnswers()
{
    QFETCH(QByteArray, scenario);
    SnapshotHub notReadyHub; // holds the default snapshot: ready == false
    Config config = test::localApiConfig();
    if (scenario == "token")
        config.httpToken = QStringLiteral("golden-token");
    if (scenario == "cors")
        config.httpCorsOrigins = {QStringLiteral("http://app.example")};
    m_hub.publish(m_snapshot);
    HttpApi api(config, scenario == "not ready" ? notReadyHub : m_hub); // fresh: its request counters start at 0
    QVERIFY(api.start());

    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(api.port()) + "\r\n";
    QByteArray actual;
    QTcpSocket socket; // one keep-alive connection, so /metrics sees exactly one
    QByteArray buffer;
    for (const GoldenRequest &request : goldenRequests(scenario)) {
        if (socket.state() != QAbstractSocket::ConnectedState) {
            socket.connectToHost(QHostAddress::LocalHost, api.port());
            QVERIFY(socket.waitForConnected(3000));
            buffer.clear();
        }
        const QByteArray line = request.method + ' ' + request.target + " HTTP/1.1";
        socket.write(line + "\r\n" + host + request.headers + "\r\n");
        const QByteArray response = readOneResponse(socket, buffer, request.method == "HEAD");
        QVERIFY2(!response.isEmpty(), line.constData());
        actual += "=== " + line + (request.headers.isEmpty() ? QByteArray() : " | " + request.headers.trimmed().replace("\r\n", " | "))
                  + "\n" + normalizeResponse(response, request.target) + "\n";
        if (request.headers.contains("Connection: close"))
            QVERIFY(QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 3000));
    }

    QString fileName = QString::fromLatin1(scenario).replace(QLatin1Char(' '), QLatin1Char('_'));
    QFile file(QStringLiteral(TXPULSE_TEST_DATA "/http_golden/") + fileName + QStringLiteral(".http"));
    if (qEnvironmentVariableIntValue("TXPULSE_UPDATE_GOLDEN")) {
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(actual), actual.size());
        file.close();
        qInfo("rewrote %s", qPrintable(file.fileName())); // and compared below, like any other run
    }
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    const QByteArray expected = file.readAll();
    // Compare exchange by exchange so that a failure names the request.
    const auto exchanges = [](const QByteArray &text) {
        QList<QByteArray> out;
        qsizetype from = 0;
        while (from < text.size()) {
            qsizetype next = text.indexOf("\n=== ", from + 1);
            next = next < 0 ? text.size() : next + 1;
            out << text.mid(from, next - from);
            from = next;
        }
        return out;
    };
    const QList<QByteArray> got = exchanges(actual);
    const QList<QByteArray> golden = exchanges(expected);
    for (qsizetype i = 0; i < std::min(got.size(), golden.size()); ++i)
        QVERIFY2(got[i] == golden[i], qPrintable(QStringLiteral("expected:\n%1\nactual:\n%2")
                                                     .arg(QString::fromUtf8(golden[i].left(3000)),
                                                          QString::fromUtf8(got[i].left(3000)))));
    QCOMPARE(got.size(), golden.size());
    QCOMPARE(actual, expected);
}

// The OpenAPI document generated from the route table says everything the hand-written one said: every
// path, operation, parameter, response and schema of tests/data/openapi_reference.json.
void TestHttpApi::openApiDescribesEveryRoute()
{
    QFile file(QStringLiteral(TXPULSE_TEST_DATA "/openapi_reference.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject reference = QJsonDocument::fromJson(file.readAll()).object();
    QVERIFY(!reference.isEmpty());
    const QJsonObject served = QJsonDocument::fromJson(get(QStringLiteral("/api/v1/openapi.json")).body).object();
    QCOMPARE(served, reference);
}

QTEST_GUILESS_MAIN(TestHttpApi)
#include "tst_http_api.moc"
