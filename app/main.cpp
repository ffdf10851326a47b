// txpulse: the desktop application, or with --headless the service. Wiring lives in application.cpp.
#include "application.h"
#include "support/config.h"
#include "support/logging.h"
#include "settings_dialog.h"

#include <QApplication>
#include <QCoreApplication>
#include <QProcessEnvironment>
#include <QSettings>

#include <cstdio>
#include <memory>

namespace {

QMap<QString, QString> environment()
{
    QMap<QString, QString> env;
    const auto sys = QProcessEnvironment::systemEnvironment();
    const QStringList keys = sys.keys();
    for (const QString &k : keys)
        if (k.startsWith(QLatin1String("TXPULSE_")))
            env.insert(k, sys.value(k));
    return env;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral("txpulse"));
    QCoreApplication::setOrganizationName(QStringLiteral("txpulse"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TXPULSE_VERSION));

    // The configuration decides whether this is a window or a service, so it is read before the
    // application object exists: a service has no display and must never create a QGuiApplication.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    auto loaded = txpulse::loadConfig(arguments, environment());
    if (!loaded) {
        std::fprintf(stderr, "txpulse: %s\n", qPrintable(loaded.error().message));
        return 2;
    }
    if (loaded->exitNow)
        return loaded->exitCode;
    txpulse::Config config = loaded->config;
    if (!config.headless) {
        // The desktop's saved settings (the settings dialog) sit under the config file, environment and flags.
        QSettings settings;
        auto layered = txpulse::loadConfig(arguments, environment(), txpulse::ui::loadSettings(settings, txpulse::Config{}));
        if (!layered) {
            std::fprintf(stderr, "txpulse: %s (saved settings in %s)\n", qPrintable(layered.error().message),
                         qPrintable(settings.fileName()));
            return 2;
        }
        config = layered->config;
        loaded = std::move(layered);
    }
    for (const QString &warning : loaded->warnings)
        std::fprintf(stderr, "txpulse: warning: %s\n", qPrintable(warning));

    std::unique_ptr<QCoreApplication> qapp = config.headless ? std::make_unique<QCoreApplication>(argc, argv)
                                                             : std::make_unique<QApplication>(argc, argv);
    txpulse::Application application(config);
    if (auto started = application.start(); !started) {
        std::fprintf(stderr, "txpulse: %s\n", qPrintable(started.error().message));
        return 1;
    }
    const int rc = QCoreApplication::exec();
    application.shutdown();
    return rc;
}
