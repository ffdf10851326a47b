// Deletes the Kafka topics a benchmark run created (scripts/bench.sh), through KafkaAdmin: the broker's own
// command-line tools are not part of the services scripts' install.
//
//   bench_topics --brokers HOST:PORT --delete TOPIC [TOPIC ...]

#include "support/config.h"
#include "kafka/kafka_admin.h"

#include <QCoreApplication>

#include <cstdio>

using namespace txpulse;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int b = args.indexOf(QStringLiteral("--brokers"));
    const int d = args.indexOf(QStringLiteral("--delete"));
    if (b < 0 || b + 1 >= args.size() || d < 0) {
        std::fprintf(stderr, "usage: bench_topics --brokers HOST:PORT --delete TOPIC [TOPIC ...]\n");
        return 2;
    }
    Config c;
    c.kafkaBrokers = args.at(b + 1);
    auto admin = KafkaAdmin::create(c);
    if (!admin) {
        std::fprintf(stderr, "bench_topics: %s\n", qPrintable(admin.error().message));
        return 1;
    }
    int failed = 0;
    for (int i = d + 1; i < args.size() && !args.at(i).startsWith(QLatin1String("--")); ++i) {
        if (auto r = (*admin)->deleteTopic(args.at(i)); !r) {
            std::fprintf(stderr, "bench_topics: %s: %s\n", qPrintable(args.at(i)), qPrintable(r.error().message));
            ++failed;
        }
    }
    return failed ? 1 : 0;
}
