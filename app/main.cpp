#include "config.h"

#include <QApplication>
#include <QProcessEnvironment>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("txpulse"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TXPULSE_VERSION));
    QMap<QString, QString> env;
    const auto sys = QProcessEnvironment::systemEnvironment();
    for (const QString &k : sys.keys())
        env.insert(k, sys.value(k));
    auto cfg = txpulse::loadConfig(QCoreApplication::arguments(), env);
    if (!cfg) {
        std::fprintf(stderr, "txpulse: %s\n", qPrintable(cfg.error().message));
        return 2;
    }
    return 0;
}
