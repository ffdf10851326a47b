// txpulse-replay: serves a recorded NDJSON feed (or synthetic traffic) over the blockchain.com WebSocket
// protocol. Argument parsing and wiring only; the server is txpulse::ReplayServer.

#include "replay/replay_server.h"
#include "replay/synthetic_feed.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QTimer>

#include <cstdio>

using txpulse::ReplayServer;

namespace {

bool parseCount(const QString &text, std::int64_t &out)
{
    bool ok = false;
    const qlonglong v = text.toLongLong(&ok);
    if (!ok || v < 0)
        return false;
    out = v;
    return true;
}

int usageError(const QString &message)
{
    std::fprintf(stderr, "txpulse-replay: %s\n", qPrintable(message));
    return 2;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("txpulse-replay"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TXPULSE_VERSION));

    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral(
        "Serves a recorded blockchain.com feed (NDJSON, one message per line) or synthetic traffic over the "
        "same WebSocket protocol (ws://HOST:PORT/inv). Prints 'listening on URL' as its first line."));
    cli.addHelpOption();
    cli.addVersionOption();
    cli.addPositionalArgument(QStringLiteral("FILE.ndjson"), QStringLiteral("Recorded messages to serve."));
    const QCommandLineOption host(QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."),
                                  QStringLiteral("ADDRESS"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Port; 0 picks a free one (default)."),
                                  QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption rate(QStringLiteral("rate"),
                                  QStringLiteral("Messages per second, or 'max' for as fast as clients read "
                                                 "(default 10)."),
                                  QStringLiteral("TX_PER_SECOND|max"), QStringLiteral("10"));
    const QCommandLineOption loop(QStringLiteral("loop"), QStringLiteral("Start over at the end of the file."));
    const QCommandLineOption retime(QStringLiteral("retime"),
                                    QStringLiteral("Rewrite each message's x.time to the moment it is sent."));
    const QCommandLineOption synthetic(QStringLiteral("synthetic"),
                                       QStringLiteral("Serve N generated transactions instead of a file (0 = "
                                                      "unlimited); x.time is the send time."),
                                       QStringLiteral("N"));
    const QCommandLineOption pregenerate(
        QStringLiteral("pregenerate"),
        QStringLiteral("With --synthetic N (N > 0): generate all N messages before listening (x.time is then the "
                       "generation time). For benchmarks, so that generating does not compete with what is measured."));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Seed for --synthetic (default 1)."),
                                  QStringLiteral("S"), QStringLiteral("1"));
    const QCommandLineOption count(QStringLiteral("count"), QStringLiteral("Stop after N messages in total."),
                                   QStringLiteral("N"));
    const QCommandLineOption dropEvery(QStringLiteral("drop-every"),
                                       QStringLiteral("Close every connection after each N messages."),
                                       QStringLiteral("N"));
    const QCommandLineOption stallAfter(QStringLiteral("stall-after"),
                                        QStringLiteral("Send nothing (not even pongs) after N messages (keeping the "
                                                       "connections open; a new connection resumes the stream)."),
                                        QStringLiteral("N"));
    const QCommandLineOption resend(QStringLiteral("resend-on-subscribe"),
                                    QStringLiteral("A client that subscribes after the stream started first receives "
                                                   "the last N messages again (duplicates after a reconnect)."),
                                    QStringLiteral("N"));
    const QCommandLineOption exitWhenDone(QStringLiteral("exit-when-done"),
                                          QStringLiteral("Exit once every message is sent and flushed."));
    cli.addOptions({host, port, rate, loop, retime, synthetic, pregenerate, seed, count, dropEvery, stallAfter, resend, exitWhenDone});
    cli.process(app);

    ReplayServer::Options options;
    options.loop = cli.isSet(loop);
    options.retime = cli.isSet(retime);
    const QString rateText = cli.value(rate);
    if (rateText != QLatin1String("max")) {
        bool ok = false;
        options.rate = rateText.toDouble(&ok);
        if (!ok || options.rate <= 0)
            return usageError(QStringLiteral("--rate must be a positive number or 'max'"));
    }
    if (cli.isSet(count) && !parseCount(cli.value(count), options.count))
        return usageError(QStringLiteral("--count must be a non-negative integer"));
    if (cli.isSet(dropEvery) && !parseCount(cli.value(dropEvery), options.dropEvery))
        return usageError(QStringLiteral("--drop-every must be a non-negative integer"));
    if (cli.isSet(stallAfter) && !parseCount(cli.value(stallAfter), options.stallAfter))
        return usageError(QStringLiteral("--stall-after must be a non-negative integer"));
    if (cli.isSet(resend)) {
        std::int64_t n = 0;
        if (!parseCount(cli.value(resend), n) || n > 1000000)
            return usageError(QStringLiteral("--resend-on-subscribe must be an integer in 0..1000000"));
        options.resendOnSubscribe = static_cast<int>(n);
    }
    bool portOk = false;
    const uint portNumber = cli.value(port).toUInt(&portOk);
    if (!portOk || portNumber > 65535)
        return usageError(QStringLiteral("--port must be 0..65535"));
    const QHostAddress address(cli.value(host));
    if (address.isNull())
        return usageError(QStringLiteral("--host must be an IP address"));

    ReplayServer server(options);
    const QStringList files = cli.positionalArguments();
    if (cli.isSet(synthetic)) {
        std::int64_t n = 0;
        bool seedOk = false;
        const qulonglong seedValue = cli.value(seed).toULongLong(&seedOk);
        if (!parseCount(cli.value(synthetic), n) || !seedOk)
            return usageError(QStringLiteral("--synthetic N and --seed S must be non-negative integers"));
        if (!files.isEmpty())
            return usageError(QStringLiteral("give either FILE.ndjson or --synthetic, not both"));
        if (cli.isSet(pregenerate) && n > 0) {
            txpulse::SyntheticFeed::Options feedOptions;
            feedOptions.seed = seedValue;
            txpulse::SyntheticFeed feed(feedOptions);
            QList<QByteArray> messages;
            messages.reserve(qsizetype(n));
            const std::int64_t now = QDateTime::currentSecsSinceEpoch();
            for (std::int64_t i = 0; i < n; ++i)
                messages.push_back(feed.next(now));
            server.setMessages(std::move(messages));
        } else {
            server.setSynthetic(seedValue, n);
        }
    } else {
        if (files.size() != 1)
            return usageError(QStringLiteral("expected one FILE.ndjson (or --synthetic N); see --help"));
        QString error;
        if (!server.openFile(files.first(), &error))
            return usageError(QStringLiteral("cannot open %1: %2").arg(files.first(), error));
    }

    if (!server.listen(address, static_cast<quint16>(portNumber)))
        return usageError(QStringLiteral("cannot listen on %1:%2: %3")
                              .arg(address.toString()).arg(portNumber).arg(server.errorString()));
    std::printf("listening on %s\n", qPrintable(server.url().toString()));
    std::fflush(stdout);

    QTimer flushWait;
    QObject::connect(&server, &ReplayServer::finished, &app, [&](std::int64_t sent) {
        std::fprintf(stderr, "done %lld messages\n", static_cast<long long>(sent));
        if (cli.isSet(exitWhenDone)) {
            QObject::connect(&flushWait, &QTimer::timeout, &app, [&] {
                if (server.bytesQueued() == 0)
                    QCoreApplication::quit();
            });
            flushWait.start(20);
        }
    });
    return QCoreApplication::exec();
}
