#pragma once

#include "support/config.h"

#include <QDialog>

#include <array>
#include <vector>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSettings;

namespace txpulse::ui {

enum class SettingsField { FeedUrl, KafkaBrokers, KafkaTopic, RedisUrl, HttpHost, HttpPort, HttpToken };
inline constexpr std::size_t kSettingsFieldCount = 7;

struct FieldError {
    SettingsField field;
    QString message;
};

// Per-field checks of the connection settings (pure, testable): a ws:// or wss:// feed URL, host:port
// broker lists, a legal topic name, redis:// or unix:// URLs, a port in range, a token for any bind
// address but loopback, and the cross-field rules of Config::validate() attached to the field to fix.
std::vector<FieldError> validateSettings(const Config &config);

// QSettings keys of the dialog ("connection/feedUrl", "kafka/brokers", "kafka/topic", "redis/url",
// "http/host", "http/port", "http/token"). loadSettings() overrides `base` with the keys that are stored.
void storeSettings(QSettings &settings, const Config &config);
Config loadSettings(const QSettings &settings, Config base);

// Edits the connection settings. Each field shows its problem right under it as the user types, and OK /
// Apply stay disabled until everything is valid. Applying stores the values with QSettings and emits
// settingsApplied(); the feed URL and the HTTP API can be re-applied live, Kafka and Redis changes take
// effect on the next start (the dialog says so when one of them changed). GUI thread.
class SettingsDialog : public QDialog {
    Q_OBJECT

public:
    SettingsDialog(const Config &current, QSettings &settings, QWidget *parent = nullptr);

    Config config() const;                       // `current` with the edited fields
    QString fieldError(SettingsField field) const; // the message shown under the field; empty when valid
    bool isValid() const;
    bool needsRestart() const;                   // Kafka or Redis settings differ from `current`
    QLineEdit *editor(SettingsField field) const; // for tests
    QCheckBox *httpEnabledBox() const { return m_httpEnabled; }

Q_SIGNALS:
    void settingsApplied(const txpulse::Config &config);

public Q_SLOTS:
    // Stores and emits when valid; returns whether it did. accept() applies and closes.
    bool apply();
    void accept() override;

private:
    void revalidate();

    Config m_initial;
    QSettings &m_settings;
    std::array<QLineEdit *, kSettingsFieldCount> m_edits{};
    std::array<QLabel *, kSettingsFieldCount> m_errors{};
    QCheckBox *m_httpEnabled = nullptr;
    QLabel *m_general = nullptr;
    QLabel *m_restartNote = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace txpulse::ui
