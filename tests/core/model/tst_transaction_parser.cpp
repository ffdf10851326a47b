#include "model/transaction_parser.h"
#include "test_data.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace txpulse;

namespace {

// What the parser should produce, worked out independently with QJsonDocument (values here are far below
// 2^53, so doubles are exact).
struct Expected {
    QString hash;
    qint64 time = 0;
    qint64 size = 0;
    int inputs = 0;
    int outputs = 0;
    qint64 totalIn = 0;
    qint64 totalOut = 0;
    std::optional<qint64> fee;
    QList<std::optional<QString>> outAddresses;
};

Expected expectFrom(const QByteArray &json)
{
    const QJsonObject x = QJsonDocument::fromJson(json).object().value(QLatin1String("x")).toObject();
    Expected e;
    e.hash = x.value(QLatin1String("hash")).toString();
    e.time = x.value(QLatin1String("time")).toInteger();
    e.size = x.value(QLatin1String("size")).toInteger();
    const QJsonArray ins = x.value(QLatin1String("inputs")).toArray();
    const QJsonArray outs = x.value(QLatin1String("out")).toArray();
    e.inputs = static_cast<int>(ins.size());
    e.outputs = static_cast<int>(outs.size());
    bool allValued = !ins.isEmpty();
    for (const QJsonValue &in : ins) {
        const QJsonValue v = in.toObject().value(QLatin1String("prev_out")).toObject().value(QLatin1String("value"));
        if (v.isDouble())
            e.totalIn += v.toInteger();
        else
            allValued = false;
    }
    for (const QJsonValue &out : outs) {
        const QJsonObject o = out.toObject();
        e.totalOut += o.value(QLatin1String("value")).toInteger();
        const QJsonValue addr = o.value(QLatin1String("addr"));
        e.outAddresses.append(addr.isString() && !addr.toString().isEmpty() ? std::optional(addr.toString())
                                                                            : std::nullopt);
    }
    if (allValued && e.totalIn >= e.totalOut)
        e.fee = e.totalIn - e.totalOut;
    return e;
}

constexpr char kHash[] = "7731b35a8724b66314102b6f2f71601c2acfe62f0cb6319cfc525292480a0650";

const QByteArray kIn = R"([{"sequence":4294967295,"prev_out":{"addr":"bc1qa","value":5000,"n":0,"script":"00"},"script":""}])";
const QByteArray kOut = R"([{"addr":"bc1qb","value":4000,"n":0},{"addr":null,"value":0,"n":1}])";

// A small valid message in the current format, with the given parts substituted.
QByteArray msg(const QByteArray &inputs = kIn, const QByteArray &outputs = kOut,
               const QByteArray &time = "1700000000", const QByteArray &hash = QByteArray("\"") + kHash + "\"")
{
    return R"({"op":"utx","x":{"lock_time":0,"ver":2,"size":200,"inputs":)" + inputs + R"(,"time":)" + time
           + R"(,"tx_index":0,"hash":)" + hash + R"(,"relayed_by":"0.0.0.0","out":)" + outputs + "}}";
}

QByteArray manyOutputs(int n)
{
    QByteArray out = "[";
    for (int i = 0; i < n; ++i) {
        if (i > 0)
            out += ',';
        out += R"({"spent":false,"tx_index":0,"type":0,"addr":"bc1qqpapk39nhlghh0kyjm5j8dh9zsljr0wrw9h0cf","value":)"
               + QByteArray::number(1000 + i) + R"(,"n":)" + QByteArray::number(i) + "}";
    }
    return out + "]";
}

} // namespace

class TestTransactionParser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fixtures_data();
    void fixtures();
    void tolerated_data();
    void tolerated();
    void rejected_data();
    void rejected();
    void ignoredOps_data();
    void ignoredOps();
    void everyPrefixOfEveryFixtureIsRejected();
    void xBeforeOp();
    void duplicateKeysLastWins();
    void emptyInputsAreAcceptedWithoutFee();
    void inputsAreReadAndValidated_data();
    void inputsAreReadAndValidated();
    void megabyteMessage();
    void sizeLimit();
    void rawIsSharedOrCopied();
    void randomMutationsNeverCrash();

private:
    TransactionParser m_parser; // one parser for every row: reuse is part of what is tested
    void checkAgainstJson(const QByteArray &line);
};

void TestTransactionParser::checkAgainstJson(const QByteArray &line)
{
    const ParseOutcome r = m_parser.parse(line);
    QVERIFY2(r.kind == ParseOutcome::Kind::Transaction, r.detail.c_str());
    QCOMPARE(r.op, std::string("utx"));
    const Expected e = expectFrom(line);
    QCOMPARE(QString::fromStdString(r.tx.hash), e.hash);
    QCOMPARE(r.tx.time, e.time);
    QCOMPARE(r.tx.size, e.size);
    QCOMPARE(static_cast<int>(r.tx.inputs.size()), e.inputs);
    QCOMPARE(static_cast<int>(r.tx.outputs.size()), e.outputs);
    QCOMPARE(r.tx.totalIn, e.totalIn);
    QCOMPARE(r.tx.totalOut, e.totalOut);
    QCOMPARE(r.tx.fee, e.fee);
    for (int i = 0; i < e.outputs; ++i) {
        const auto &a = r.tx.outputs[static_cast<std::size_t>(i)].address;
        QCOMPARE(a.has_value(), e.outAddresses[i].has_value());
        if (a)
            QCOMPARE(QString::fromStdString(*a), *e.outAddresses[i]);
    }
    QCOMPARE(r.tx.raw, line);
}

void TestTransactionParser::fixtures_data()
{
    QTest::addColumn<QByteArray>("line");
    const QList<QByteArray> lines = test::fixtureLines(u"blockchain_utx_sample.ndjson");
    QVERIFY(lines.size() >= 12);
    for (const QByteArray &line : lines) {
        const QString hash = QJsonDocument::fromJson(line)["x"]["hash"].toString();
        QTest::newRow(qPrintable(hash.left(12))) << line;
    }
}

void TestTransactionParser::fixtures()
{
    QFETCH(QByteArray, line);
    checkAgainstJson(line);
}

void TestTransactionParser::tolerated_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::newRow("current format") << msg();
    QTest::newRow("legacy: no ver/n/script/sequence, lock_time string")
        << QByteArray(R"({"op":"utx","x":{"hash":")" + QByteArray(kHash)
                      + R"(","vin_sz":1,"vout_sz":1,"lock_time":"Unavailable","size":257,"relayed_by":"96.237.251.60","tx_index":65183126,"time":1365304711,"inputs":[{"prev_out":{"value":3000000,"type":0,"addr":"1dice2vQoUkQwDMbfDACM1xz6svEXdhYb","addr_tag":"SatoshiDICE"}}],"out":[{"value":15000,"type":0,"addr":"1MMqBiVZiciztWqL635TLVMnTXeqSQ8jLU"}]}})");
    QTest::newRow("out addr null") << msg(R"([{"prev_out":{"addr":"a","value":10}}])",
                                          R"([{"addr":null,"value":0},{"addr":"b","value":5}])");
    QTest::newRow("out addr missing") << msg(R"([{"prev_out":{"addr":"a","value":10}}])", R"([{"value":0,"script":"6a"}])");
    QTest::newRow("out addr empty string") << msg(R"([{"prev_out":{"addr":"a","value":10}}])", R"([{"addr":"","value":1}])");
    QTest::newRow("input addr null") << msg(R"([{"prev_out":{"addr":null,"value":10}}])");
    QTest::newRow("prev_out value missing: no fee") << msg(R"([{"prev_out":{"addr":"a"}},{"prev_out":{"addr":"b","value":9000}}])");
    QTest::newRow("prev_out value null: no fee") << msg(R"([{"prev_out":{"addr":"a","value":null}}])");
    QTest::newRow("prev_out null: no fee") << msg(R"([{"prev_out":null,"script":""}])");
    QTest::newRow("prev_out missing: no fee") << msg(R"([{"script":"","sequence":1}])");
    QTest::newRow("outputs exceed inputs: no fee") << msg(R"([{"prev_out":{"value":1}}])");
    QTest::newRow("sequence above int64") << msg(R"([{"sequence":18446744073709551615,"prev_out":{"value":9000}}])");
    QTest::newRow("extra fields of every type")
        << msg(R"([{"witness":["aa",{"k":[1,2.5,true]}],"prev_out":{"value":9000,"tag":{"a":[null]},"spent":false}}])",
               R"([{"value":7,"spending_outpoints":[{"tx_index":0,"n":0}],"weird":-1.5e300}])");
    QTest::newRow("unknown root fields") << QByteArray(R"({"seq":[1,{"a":2}],"op":"utx","x":)" + msg().mid(16));
    QTest::newRow("uppercase hash") << msg(kIn, kOut, "1700000000", "\"" + QByteArray(kHash).toUpper() + "\"");
    QTest::newRow("escaped key and pretty printing")
        << QByteArray("{ \"op\" : \"utx\" ,\n \"x\" : {\"h\\u0061sh\" : \"" + QByteArray(kHash)
                      + "\", \"time\" : 1700000000,\r\n \"out\" : [ { \"addr\" : \"b\\u00e9\" , \"value\" : 3 } ] } }\n");
    QTest::newRow("value at the cap") << msg(R"([{"prev_out":{"value":2100000000000000}}])",
                                             R"([{"value":2100000000000000}])");
    QTest::newRow("value 2^31 and more") << msg(R"([{"prev_out":{"value":4294967296}}])", R"([{"value":2147483648}])");
    QTest::newRow("64 levels deep")
        << msg(kIn, R"([{"value":1,"w":)" + QByteArray(60, '[') + QByteArray(60, ']') + "}]");
    QTest::newRow("size missing")
        << QByteArray(R"({"op":"utx","x":{"hash":")" + QByteArray(kHash) + R"(","time":5,"out":[{"value":1}]}})");
}

void TestTransactionParser::tolerated()
{
    QFETCH(QByteArray, line);
    QVERIFY(QJsonDocument::fromJson(line).isObject()); // the row itself is valid JSON
    checkAgainstJson(line);
}

void TestTransactionParser::rejected_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<ParseError>("error");

    const QByteArray good = msg();
    QTest::newRow("empty") << QByteArray() << ParseError::InvalidJson;
    QTest::newRow("whitespace") << QByteArray(" \n\t ") << ParseError::InvalidJson;
    QTest::newRow("bad syntax") << QByteArray(R"({"op":"utx",,})") << ParseError::InvalidJson;
    QTest::newRow("bare word") << QByteArray("hello") << ParseError::InvalidJson;
    QTest::newRow("trailing garbage") << good + "x" << ParseError::InvalidJson;
    QTest::newRow("two objects") << good + good << ParseError::InvalidJson;
    QTest::newRow("top-level array") << QByteArray(R"([{"op":"utx"}])") << ParseError::NotObject;
    QTest::newRow("top-level string") << QByteArray(R"("utx")") << ParseError::NotObject;
    QTest::newRow("top-level number") << QByteArray("42") << ParseError::NotObject;
    QTest::newRow("no op") << QByteArray(R"({"x":{}})") << ParseError::MissingOp;
    QTest::newRow("op number") << QByteArray(R"({"op":5,"x":{}})") << ParseError::MissingOp;
    QTest::newRow("op null") << QByteArray(R"({"op":null})") << ParseError::MissingOp;
    QTest::newRow("missing x") << QByteArray(R"({"op":"utx"})") << ParseError::MissingX;
    QTest::newRow("x array") << QByteArray(R"({"op":"utx","x":[]})") << ParseError::MissingX;
    QTest::newRow("x string") << QByteArray(R"({"op":"utx","x":"tx"})") << ParseError::MissingX;
    QTest::newRow("x null") << QByteArray(R"({"op":"utx","x":null})") << ParseError::MissingX;

    QTest::newRow("hash non-hex 64") << msg(kIn, kOut, "1", "\"" + QByteArray(64, 'g') + "\"") << ParseError::BadHash;
    QTest::newRow("hash 63") << msg(kIn, kOut, "1", "\"" + QByteArray(kHash).left(63) + "\"") << ParseError::BadHash;
    QTest::newRow("hash 65") << msg(kIn, kOut, "1", "\"" + QByteArray(kHash) + "0\"") << ParseError::BadHash;
    QTest::newRow("hash with space") << msg(kIn, kOut, "1", "\" " + QByteArray(kHash).mid(1) + "\"") << ParseError::BadHash;
    QTest::newRow("hash number") << msg(kIn, kOut, "1", "12345") << ParseError::BadHash;
    QTest::newRow("hash null") << msg(kIn, kOut, "1", "null") << ParseError::BadHash;
    QTest::newRow("hash missing")
        << QByteArray(R"({"op":"utx","x":{"time":5,"out":[{"value":1}]}})") << ParseError::BadHash;

    QTest::newRow("time string") << msg(kIn, kOut, "\"1700000000\"") << ParseError::BadTime;
    QTest::newRow("time float") << msg(kIn, kOut, "1700000000.5") << ParseError::BadTime;
    QTest::newRow("time zero") << msg(kIn, kOut, "0") << ParseError::BadTime;
    QTest::newRow("time negative") << msg(kIn, kOut, "-5") << ParseError::BadTime;
    QTest::newRow("time huge") << msg(kIn, kOut, "99999999999999999999") << ParseError::BadTime;
    QTest::newRow("time ms") << msg(kIn, kOut, "1700000000000000") << ParseError::BadTime;
    QTest::newRow("time missing")
        << QByteArray(R"({"op":"utx","x":{"hash":")" + QByteArray(kHash) + R"(","out":[{"value":1}]}})")
        << ParseError::BadTime;
    QTest::newRow("size negative")
        << QByteArray(R"({"op":"utx","x":{"size":-1}})") << ParseError::BadSize;
    QTest::newRow("size string")
        << QByteArray(R"({"op":"utx","x":{"size":"1"}})") << ParseError::BadSize;

    QTest::newRow("inputs object") << msg("{}") << ParseError::BadInputs;
    QTest::newRow("inputs element number") << msg("[1]") << ParseError::BadInputs;
    QTest::newRow("prev_out array") << msg(R"([{"prev_out":[]}])") << ParseError::BadInputs;
    QTest::newRow("out missing")
        << QByteArray(R"({"op":"utx","x":{"hash":")" + QByteArray(kHash) + R"(","time":5}})") << ParseError::BadOutputs;
    QTest::newRow("out empty") << msg(kIn, "[]") << ParseError::BadOutputs;
    QTest::newRow("out string") << msg(kIn, "\"x\"") << ParseError::BadOutputs;
    QTest::newRow("out element null") << msg(kIn, "[null]") << ParseError::BadOutputs;
    QTest::newRow("out value missing") << msg(kIn, R"([{"addr":"a"}])") << ParseError::BadOutputs;

    QTest::newRow("out value negative") << msg(kIn, R"([{"value":-1}])") << ParseError::BadValue;
    QTest::newRow("out value above cap") << msg(kIn, R"([{"value":2100000000000001}])") << ParseError::BadValue;
    QTest::newRow("out value above int64") << msg(kIn, R"([{"value":99999999999999999999}])") << ParseError::BadValue;
    QTest::newRow("out value float") << msg(kIn, R"([{"value":1.5}])") << ParseError::BadValue;
    QTest::newRow("out value exponent") << msg(kIn, R"([{"value":1e3}])") << ParseError::BadValue;
    QTest::newRow("out value string") << msg(kIn, R"([{"value":"1000"}])") << ParseError::BadValue;
    QTest::newRow("out value null") << msg(kIn, R"([{"value":null}])") << ParseError::BadValue;
    QTest::newRow("out value bool") << msg(kIn, R"([{"value":true}])") << ParseError::BadValue;
    QTest::newRow("out total above cap")
        << msg(kIn, R"([{"value":2100000000000000},{"value":1}])") << ParseError::BadValue;
    QTest::newRow("in value negative") << msg(R"([{"prev_out":{"value":-5}}])") << ParseError::BadValue;
    QTest::newRow("in value float") << msg(R"([{"prev_out":{"value":5.0}}])") << ParseError::BadValue;
    QTest::newRow("in value string") << msg(R"([{"prev_out":{"value":"5"}}])") << ParseError::BadValue;
    QTest::newRow("in total above cap")
        << msg(R"([{"prev_out":{"value":2000000000000000}},{"prev_out":{"value":2000000000000000}}])")
        << ParseError::BadValue;

    QTest::newRow("addr number") << msg(kIn, R"([{"addr":5,"value":1}])") << ParseError::BadAddress;
    QTest::newRow("addr object") << msg(R"([{"prev_out":{"addr":{},"value":1}}])") << ParseError::BadAddress;
    QTest::newRow("addr too long")
        << msg(kIn, "[{\"addr\":\"" + QByteArray(200, 'a') + "\",\"value\":1}]") << ParseError::BadAddress;

    QTest::newRow("too many outputs")
        << msg(kIn, "[" + QByteArray(R"({"value":1},)").repeated(int(TransactionParser::kMaxItems)) + R"({"value":1}])")
        << ParseError::TooManyItems;
    QTest::newRow("too many inputs")
        << msg("[" + QByteArray("{},").repeated(int(TransactionParser::kMaxItems)) + "{}]") << ParseError::TooManyItems;

    // Deep nesting: as the top level, under a field we read, under fields we skip (root, x, input, output).
    QTest::newRow("10000 [") << QByteArray(10000, '[') << ParseError::NotObject;
    QTest::newRow("10000 [ closed") << QByteArray(10000, '[') + QByteArray(10000, ']') << ParseError::NotObject;
    QTest::newRow("10000 { unclosed") << QByteArray(R"({"a":)").repeated(10000) << ParseError::InvalidJson;
    const QByteArray deep = QByteArray(10000, '[') + QByteArray(10000, ']');
    QTest::newRow("deep under root") << QByteArray(R"({"op":"utx","deep":)" + deep + "}") << ParseError::InvalidJson;
    QTest::newRow("deep under x")
        << QByteArray(R"({"op":"utx","x":{"deep":)" + deep + "}}") << ParseError::InvalidJson;
    QTest::newRow("deep in inputs") << msg("[" + deep + "]") << ParseError::BadInputs;
    QTest::newRow("deep in input") << msg(R"([{"w":)" + deep + "}]") << ParseError::InvalidJson;
    QTest::newRow("deep in prev_out") << msg(R"([{"prev_out":{"w":)" + deep + "}}]") << ParseError::InvalidJson;
    QTest::newRow("deep in output") << msg(kIn, R"([{"value":1,"w":)" + deep + "}]") << ParseError::InvalidJson;
    QTest::newRow("65 levels under x")
        << msg(kIn, R"([{"value":1,"w":)" + QByteArray(61, '[') + QByteArray(61, ']') + "}]") << ParseError::InvalidJson;

    QTest::newRow("invalid UTF-8 byte") << msg(kIn, "[{\"addr\":\"\xff\",\"value\":1}]") << ParseError::InvalidUtf8;
    QTest::newRow("overlong UTF-8") << msg(kIn, "[{\"addr\":\"\xc0\xaf\",\"value\":1}]") << ParseError::InvalidUtf8;
    QTest::newRow("UTF-16 surrogate in UTF-8")
        << msg(kIn, "[{\"addr\":\"\xed\xa0\x80\",\"value\":1}]") << ParseError::InvalidUtf8;
    QTest::newRow("truncated UTF-8 at end") << good + "\xe2\x82" << ParseError::InvalidUtf8;
    QTest::newRow("invalid UTF-8 in a field never read")
        << QByteArray(msg()).replace("0.0.0.0", "0.0.\xff.0") << ParseError::InvalidUtf8;
    QTest::newRow("control char in string") << msg(kIn, "[{\"addr\":\"a\x01\",\"value\":1}]") << ParseError::InvalidJson;

    // Found by libFuzzer (tests/fuzz/regressions/): "x" before "op" inside a malformed value, so the
    // second pass over the root object ended without an "x" and an empty transaction was accepted.
    QTest::newRow("fuzz: x lost on the second pass")
        << QByteArray(R"({"":{\,"x":{"" ],"te":2,"op":"utx","x":{"hash":"76f8bbcf":0}M}})") << ParseError::InvalidJson;

    QByteArray garbage(4096, Qt::Uninitialized);
    QRandomGenerator gen(42);
    for (char &c : garbage)
        c = static_cast<char>(gen.bounded(256));
    QTest::newRow("binary garbage") << garbage << ParseError::InvalidUtf8;
    QTest::newRow("NUL bytes") << QByteArray(64, '\0') << ParseError::InvalidJson;
}

void TestTransactionParser::rejected()
{
    QFETCH(QByteArray, line);
    QFETCH(ParseError, error);
    const ParseOutcome r = m_parser.parse(line);
    QVERIFY2(r.kind == ParseOutcome::Kind::Rejected, qPrintable(QString::fromStdString(r.tx.hash)));
    QVERIFY2(r.error == error, (std::string(parseErrorName(r.error)) + ": " + r.detail).c_str());
    QVERIFY(!r.detail.empty());
    QVERIFY(r.tx.hash.empty());
    // The parser stays usable after any rejection.
    QCOMPARE(m_parser.parse(msg()).kind, ParseOutcome::Kind::Transaction);
}

void TestTransactionParser::ignoredOps_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("op");
    const QList<QByteArray> blocks = test::fixtureLines(u"blockchain_block_sample.ndjson");
    QCOMPARE(blocks.size(), 1);
    QTest::newRow("block fixture") << blocks.first() << QStringLiteral("block");
    QTest::newRow("pong") << QByteArray(R"({"op":"pong"})") << QStringLiteral("pong");
    QTest::newRow("status with garbage x") << QByteArray(R"({"op":"status","x":[1,"a",{}]})") << QStringLiteral("status");
    QTest::newRow("x before op") << QByteArray(R"({"x":{"height":1},"op":"block"})") << QStringLiteral("block");
    QTest::newRow("empty op") << QByteArray(R"({"op":""})") << QString();
}

void TestTransactionParser::ignoredOps()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, op);
    const ParseOutcome r = m_parser.parse(line);
    QCOMPARE(r.kind, ParseOutcome::Kind::Ignored);
    QCOMPARE(QString::fromStdString(r.op), op);
}

void TestTransactionParser::everyPrefixOfEveryFixtureIsRejected()
{
    const QList<QByteArray> lines = test::fixtureLines(u"blockchain_utx_sample.ndjson");
    int checked = 0;
    for (const QByteArray &line : lines) {
        for (qsizetype n = 0; n < line.size(); ++n) {
            const ParseOutcome r = m_parser.parse(QByteArrayView(line).first(n));
            if (r.kind != ParseOutcome::Kind::Rejected)
                QFAIL(qPrintable(QStringLiteral("prefix of %1 bytes accepted: %2").arg(n).arg(QString::fromUtf8(line.left(n)))));
            ++checked;
        }
    }
    QVERIFY(checked > 20000);
}

void TestTransactionParser::xBeforeOp()
{
    const QByteArray line = R"({"x":{"hash":")" + QByteArray(kHash) + R"(","time":7,"out":[{"value":3}]},"op":"utx"})";
    checkAgainstJson(line);
}

void TestTransactionParser::duplicateKeysLastWins()
{
    // Found by the fuzzer: totals must follow the values kept, not every value seen.
    const ParseOutcome r = m_parser.parse(msg(R"([{"prev_out":{"value":7,"value":5},"prev_out":{"value":9000}}])",
                                              R"([{"value":1,"addr":"a","value":2,"addr":null}])"));
    QCOMPARE(r.kind, ParseOutcome::Kind::Transaction);
    QCOMPARE(r.tx.inputs.size(), std::size_t(1));
    QCOMPARE(r.tx.inputs[0].value, std::optional<std::int64_t>(9000));
    QCOMPARE(r.tx.totalIn, 9000);
    QCOMPARE(r.tx.totalOut, 2);
    QVERIFY(!r.tx.outputs[0].address.has_value());
    QCOMPARE(r.tx.fee, std::optional<std::int64_t>(8998));
}

void TestTransactionParser::emptyInputsAreAcceptedWithoutFee()
{
    // Only the outputs feed the counts and the address ranking, so a message with no inputs is still a
    // countable transaction; with nothing to sum, its fee is unknown (never -totalOut).
    const ParseOutcome r = m_parser.parse(msg("[]"));
    QCOMPARE(r.kind, ParseOutcome::Kind::Transaction);
    QVERIFY(r.tx.inputs.empty());
    QCOMPARE(r.tx.totalIn, 0);
    QVERIFY(!r.tx.fee.has_value());
}

void TestTransactionParser::inputsAreReadAndValidated_data()
{
    fixtures_data();
}

// There is one parse for the feed (ingest) and for the log (the consumer): the inputs are always read, so the
// fee is known in pipeline mode exactly as in standalone mode. The consumer's parser lives long and sees the
// log's messages one after the other: the same results after a message whose inputs were rejected. Inputs
// that are not an array are rejected, whatever the outputs; outputs are still validated; invalid UTF-8 inside
// the inputs is rejected as such.
void TestTransactionParser::inputsAreReadAndValidated()
{
    QFETCH(QByteArray, line);
    const QByteArray oddInputs = msg("5");
    QCOMPARE(m_parser.parse(oddInputs).error, ParseError::BadInputs);
    const ParseOutcome r = m_parser.parse(line);
    QCOMPARE(r.kind, ParseOutcome::Kind::Transaction);
    QVERIFY(!r.tx.inputs.empty());
    std::int64_t totalIn = 0;
    bool allValued = true;
    for (const TxInput &in : r.tx.inputs) {
        allValued = allValued && in.value.has_value();
        totalIn += in.value.value_or(0);
    }
    QCOMPARE(r.tx.totalIn, totalIn);
    std::int64_t totalOut = 0;
    for (const TxOutput &out : r.tx.outputs)
        totalOut += out.value;
    QCOMPARE(r.tx.totalOut, totalOut);
    QCOMPARE(r.tx.fee, allValued && totalIn >= totalOut ? std::optional<std::int64_t>(totalIn - totalOut)
                                                        : std::nullopt);
    QCOMPARE(r.tx.raw, line);

    QCOMPARE(m_parser.parse(msg("5", "5")).error, ParseError::BadInputs);
    QCOMPARE(m_parser.parse(msg(kIn, "5")).error, ParseError::BadOutputs); // outputs are validated as well
    QCOMPARE(m_parser.parse(msg("[{\"prev_out\":{\"addr\":\"\xff\"}}]")).error, ParseError::InvalidUtf8);
}

void TestTransactionParser::megabyteMessage()
{
    const QByteArray big = msg(kIn, manyOutputs(12000));
    QVERIFY(big.size() > 1'000'000);
    QVERIFY(big.size() < TransactionParser::kMaxMessageBytes);
    checkAgainstJson(big);
    // A small message after a big one: the reused buffer must not leak the old content.
    checkAgainstJson(msg());
}

void TestTransactionParser::sizeLimit()
{
    // Both sides of the limit with an otherwise valid message, padded with an extra string field.
    const QByteArray head = R"({"pad":")";
    const QByteArray tail = R"(","op":"utx","x":)" + msg().mid(16);
    const qsizetype fill = TransactionParser::kMaxMessageBytes - head.size() - tail.size();
    const QByteArray atLimit = head + QByteArray(fill, 'p') + tail;
    QCOMPARE(atLimit.size(), TransactionParser::kMaxMessageBytes);
    QCOMPARE(m_parser.parse(atLimit).kind, ParseOutcome::Kind::Transaction);
    const QByteArray over = head + QByteArray(fill + 1, 'p') + tail;
    const ParseOutcome r = m_parser.parse(over);
    QCOMPARE(r.kind, ParseOutcome::Kind::Rejected);
    QCOMPARE(r.error, ParseError::TooLarge);
}

void TestTransactionParser::rawIsSharedOrCopied()
{
    const QByteArray line = msg();
    const ParseOutcome shared = m_parser.parse(line);
    QCOMPARE(shared.tx.raw.constData(), line.constData()); // implicitly shared, not copied
    const ParseOutcome copied = m_parser.parse(QByteArrayView(line));
    QCOMPARE(copied.tx.raw, line);
    QVERIFY(copied.tx.raw.constData() != line.constData());
}

void TestTransactionParser::randomMutationsNeverCrash()
{
    // A cheap in-tree complement to the libFuzzer target: byte flips, insertions and deletions of the
    // fixtures. Whatever comes out must be consistent: accepted transactions satisfy the invariants.
    QList<QByteArray> seeds = test::fixtureLines(u"blockchain_utx_sample.ndjson");
    QRandomGenerator gen(20240601);
    static constexpr char kTokens[] = "{}[]\":,-.0123456789eEnulltrue \\";
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        QByteArray m = seeds[gen.bounded(int(seeds.size()))];
        const int edits = 1 + gen.bounded(4);
        for (int k = 0; k < edits; ++k) {
            const auto pos = gen.bounded(int(m.size()));
            switch (gen.bounded(3)) {
            case 0: m[pos] = kTokens[gen.bounded(int(sizeof kTokens - 1))]; break;
            case 1: m.insert(pos, kTokens[gen.bounded(int(sizeof kTokens - 1))]); break;
            default: m.remove(pos, 1 + gen.bounded(8)); break;
            }
        }
        const ParseOutcome r = m_parser.parse(m);
        if (r.kind != ParseOutcome::Kind::Transaction)
            continue;
        ++accepted;
        QCOMPARE(r.tx.hash.size(), std::size_t(64));
        QVERIFY(r.tx.time > 0);
        QVERIFY(!r.tx.outputs.empty());
        QVERIFY(r.tx.totalOut >= 0 && r.tx.totalOut <= kMaxSatoshis);
        QVERIFY(r.tx.totalIn >= 0 && r.tx.totalIn <= kMaxSatoshis);
        if (r.tx.fee)
            QCOMPARE(*r.tx.fee, r.tx.totalIn - r.tx.totalOut);
    }
    QVERIFY(accepted > 0); // some mutations only touch skipped fields
}

QTEST_GUILESS_MAIN(TestTransactionParser)
#include "tst_transaction_parser.moc"
