#include "settings_dialog.h"

#include "support/logging.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QVBoxLayout>

namespace txpulse::ui {

namespace {

std::size_t slot(SettingsField f)
{
    return static_cast<std::size_t>(f);
}

bool validPort(const QString &text, int min)
{
    bool ok = false;
    const int port = text.toInt(&ok);
    return ok && port >= min && port <= 65535;
}

QString checkFeedUrl(const QUrl &url)
{
    if (url.isEmpty())
        return QObject::tr("Enter the feed's WebSocket URL, e.g. wss://ws.blockchain.info/inv");
    if (!url.isValid())
        return QObject::tr("Not a valid URL");
    if (url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss"))
        return QObject::tr("Must start with ws:// or wss://");
    if (url.host().isEmpty())
        return QObject::tr("The URL has no host");
    return {};
}

QString checkBrokers(const QString &brokers)
{
    if (brokers.isEmpty())
        return {};
    const QStringList list = brokers.split(QLatin1Char(','));
    for (const QString &raw : list) {
        const QString b = raw.trimmed();
        const int colon = b.lastIndexOf(QLatin1Char(':'));
        if (b.isEmpty())
            return QObject::tr("Empty entry in the list: use host:port,host:port");
        if (colon <= 0)
            return QObject::tr("'%1' needs a port: host:port").arg(b);
        if (!validPort(b.mid(colon + 1), 1))
            return QObject::tr("'%1': the port must be 1..65535").arg(b);
        if (b.left(colon).contains(QLatin1Char(' ')))
            return QObject::tr("'%1': the host contains a space").arg(b);
    }
    return {};
}

QString checkTopic(const QString &topic)
{
    // Kafka's own rule (kafka.common.internals.Topic): 1..249 of [a-zA-Z0-9._-], not "." or "..".
    static const QRegularExpression legal(QStringLiteral("^[A-Za-z0-9._-]{1,249}$"));
    if (topic.isEmpty())
        return QObject::tr("Enter a topic name");
    if (!legal.match(topic).hasMatch())
        return QObject::tr("Letters, digits, '.', '_' and '-' only, at most 249");
    if (topic == QLatin1String(".") || topic == QLatin1String(".."))
        return QObject::tr("'.' and '..' are not allowed");
    return {};
}

QString checkRedisUrl(const QString &text)
{
    if (text.isEmpty())
        return {};
    const QUrl url(text, QUrl::StrictMode);
    if (url.scheme() == QLatin1String("unix")) {
        if (url.path().isEmpty() || !url.path().startsWith(QLatin1Char('/')))
            return QObject::tr("unix:// needs an absolute socket path: unix:///run/redis/redis.sock");
        return {};
    }
    if (url.scheme() != QLatin1String("redis"))
        return QObject::tr("Must start with redis:// or unix://");
    if (!url.isValid() || url.host().isEmpty())
        return QObject::tr("Needs a host: redis://host:port/db");
    if (url.port() == 0)
        return QObject::tr("The port must be 1..65535");
    const QString db = url.path().mid(1);
    if (!db.isEmpty()) {
        bool ok = false;
        const int n = db.toInt(&ok);
        if (!ok || n < 0)
            return QObject::tr("The database after '/' must be a number");
    }
    return {};
}

bool isLoopback(const QString &host)
{
    if (host == QLatin1String("localhost"))
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

} // namespace

std::vector<FieldError> validateSettings(const Config &c)
{
    std::vector<FieldError> errors;
    auto add = [&](SettingsField f, const QString &message) {
        if (!message.isEmpty())
            errors.push_back(FieldError{f, message});
    };
    add(SettingsField::FeedUrl, checkFeedUrl(c.feedUrl));
    add(SettingsField::KafkaBrokers, checkBrokers(c.kafkaBrokers));
    add(SettingsField::KafkaTopic, checkTopic(c.kafkaTopic));
    add(SettingsField::RedisUrl, checkRedisUrl(c.redisUrl));
    if (c.role == Role::All && c.kafkaBrokers.isEmpty() != c.redisUrl.isEmpty()) {
        if (c.redisUrl.isEmpty())
            add(SettingsField::RedisUrl, QObject::tr("Pipeline mode needs Redis too (or clear the Kafka brokers "
                                                     "for standalone mode)"));
        else
            add(SettingsField::KafkaBrokers, QObject::tr("Pipeline mode needs Kafka too (or clear the Redis URL "
                                                         "for standalone mode)"));
    }
    if (c.httpPort >= 0) {
        if (c.httpHost.trimmed().isEmpty())
            add(SettingsField::HttpHost, QObject::tr("Enter an address to listen on, e.g. 127.0.0.1"));
        else if (c.httpHost.contains(QLatin1Char(' ')) || c.httpHost.contains(QLatin1Char('/')))
            add(SettingsField::HttpHost, QObject::tr("Not a host name or IP address"));
        if (c.httpPort > 65535)
            add(SettingsField::HttpPort, QObject::tr("The port must be 0..65535 (0 picks a free one)"));
        if (!isLoopback(c.httpHost.trimmed()) && c.httpToken.isEmpty())
            add(SettingsField::HttpToken, QObject::tr("Required when listening on anything but loopback"));
    }
    if (c.httpToken.contains(QLatin1Char(' ')))
        add(SettingsField::HttpToken, QObject::tr("The token cannot contain spaces"));
    return errors;
}

void storeSettings(QSettings &s, const Config &c)
{
    s.setValue(QStringLiteral("connection/feedUrl"), c.feedUrl.toString());
    s.setValue(QStringLiteral("kafka/brokers"), c.kafkaBrokers);
    s.setValue(QStringLiteral("kafka/topic"), c.kafkaTopic);
    s.setValue(QStringLiteral("redis/url"), c.redisUrl);
    s.setValue(QStringLiteral("http/host"), c.httpHost);
    s.setValue(QStringLiteral("http/port"), c.httpPort);
    s.setValue(QStringLiteral("http/token"), c.httpToken);
}

Config loadSettings(const QSettings &s, Config c)
{
    auto str = [&](const char *key, QString &field) {
        const QString k = QLatin1String(key);
        if (s.contains(k))
            field = s.value(k).toString();
    };
    if (s.contains(QStringLiteral("connection/feedUrl")))
        c.feedUrl = QUrl(s.value(QStringLiteral("connection/feedUrl")).toString());
    str("kafka/brokers", c.kafkaBrokers);
    str("kafka/topic", c.kafkaTopic);
    str("redis/url", c.redisUrl);
    str("http/host", c.httpHost);
    if (s.contains(QStringLiteral("http/port")))
        c.httpPort = s.value(QStringLiteral("http/port")).toInt();
    str("http/token", c.httpToken);
    return c;
}

SettingsDialog::SettingsDialog(const Config &current, QSettings &settings, QWidget *parent)
    : QDialog(parent), m_initial(current), m_settings(settings)
{
    setWindowTitle(tr("Settings"));
    setMinimumWidth(560);

    auto makeField = [this](SettingsField f, const QString &text, const QString &placeholder) {
        auto *edit = new QLineEdit(text, this);
        edit->setPlaceholderText(placeholder);
        edit->setClearButtonEnabled(true);
        auto *error = new QLabel(this);
        error->setWordWrap(true);
        error->setObjectName(QStringLiteral("fieldError"));
        error->setStyleSheet(QStringLiteral("color: #dc2626; font-size: 9pt;"));
        error->setVisible(false);
        m_edits[slot(f)] = edit;
        m_errors[slot(f)] = error;
        connect(edit, &QLineEdit::textChanged, this, &SettingsDialog::revalidate);
    };
    auto addRow = [this](QFormLayout *form, const QString &label, SettingsField f) {
        auto *box = new QWidget(this);
        auto *v = new QVBoxLayout(box);
        v->setContentsMargins(0, 0, 0, 0);
        v->setSpacing(2);
        v->addWidget(m_edits[slot(f)]);
        v->addWidget(m_errors[slot(f)]);
        form->addRow(label, box);
    };

    makeField(SettingsField::FeedUrl, current.feedUrl.toString(), QStringLiteral("wss://ws.blockchain.info/inv"));
    makeField(SettingsField::KafkaBrokers, current.kafkaBrokers, tr("empty: standalone (no Kafka)"));
    makeField(SettingsField::KafkaTopic, current.kafkaTopic, QStringLiteral("bitcointopic"));
    makeField(SettingsField::RedisUrl, current.redisUrl, tr("empty: standalone (no Redis)"));
    makeField(SettingsField::HttpHost, current.httpHost, QStringLiteral("127.0.0.1"));
    makeField(SettingsField::HttpPort, QString::number(current.httpPort < 0 ? 8080 : current.httpPort),
              QStringLiteral("8080"));
    makeField(SettingsField::HttpToken, current.httpToken, tr("required unless bound to loopback"));
    m_edits[slot(SettingsField::HttpToken)]->setEchoMode(QLineEdit::PasswordEchoOnEdit);

    auto *layout = new QVBoxLayout(this);

    auto *feedBox = new QGroupBox(tr("Feed"), this);
    auto *feedForm = new QFormLayout(feedBox);
    addRow(feedForm, tr("WebSocket URL:"), SettingsField::FeedUrl);
    layout->addWidget(feedBox);

    auto *pipeBox = new QGroupBox(tr("Pipeline (leave both empty for standalone mode)"), this);
    auto *pipeForm = new QFormLayout(pipeBox);
    addRow(pipeForm, tr("Kafka brokers:"), SettingsField::KafkaBrokers);
    addRow(pipeForm, tr("Kafka topic:"), SettingsField::KafkaTopic);
    addRow(pipeForm, tr("Redis URL:"), SettingsField::RedisUrl);
    layout->addWidget(pipeBox);

    auto *httpBox = new QGroupBox(tr("REST API"), this);
    auto *httpForm = new QFormLayout(httpBox);
    m_httpEnabled = new QCheckBox(tr("Serve the REST API"), this);
    m_httpEnabled->setChecked(current.httpPort >= 0);
    httpForm->addRow(QString(), m_httpEnabled);
    addRow(httpForm, tr("Listen on:"), SettingsField::HttpHost);
    addRow(httpForm, tr("Port:"), SettingsField::HttpPort);
    addRow(httpForm, tr("Access token:"), SettingsField::HttpToken);
    layout->addWidget(httpBox);
    connect(m_httpEnabled, &QCheckBox::toggled, this, &SettingsDialog::revalidate);

    m_general = new QLabel(this);
    m_general->setWordWrap(true);
    m_general->setStyleSheet(QStringLiteral("color: #dc2626;"));
    m_general->setVisible(false);
    layout->addWidget(m_general);

    m_restartNote = new QLabel(tr("The feed and the REST API apply at once. Kafka and Redis changes apply when "
                                  "txpulse is restarted."),
                               this);
    m_restartNote->setWordWrap(true);
    layout->addWidget(m_restartNote);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &SettingsDialog::apply);

    revalidate();
}

QLineEdit *SettingsDialog::editor(SettingsField field) const
{
    return m_edits[slot(field)];
}

Config SettingsDialog::config() const
{
    Config c = m_initial;
    c.feedUrl = QUrl(m_edits[slot(SettingsField::FeedUrl)]->text().trimmed(), QUrl::StrictMode);
    c.kafkaBrokers = m_edits[slot(SettingsField::KafkaBrokers)]->text().trimmed();
    c.kafkaTopic = m_edits[slot(SettingsField::KafkaTopic)]->text().trimmed();
    c.redisUrl = m_edits[slot(SettingsField::RedisUrl)]->text().trimmed();
    c.httpHost = m_edits[slot(SettingsField::HttpHost)]->text().trimmed();
    c.httpToken = m_edits[slot(SettingsField::HttpToken)]->text();
    if (m_httpEnabled->isChecked()) {
        bool ok = false;
        const int port = m_edits[slot(SettingsField::HttpPort)]->text().trimmed().toInt(&ok);
        c.httpPort = ok && port >= 0 ? port : 65536; // out of range: validateSettings() reports it
    } else {
        c.httpPort = -1;
    }
    return c;
}

QString SettingsDialog::fieldError(SettingsField field) const
{
    const QLabel *label = m_errors[slot(field)];
    return label->isVisibleTo(this) ? label->text() : QString();
}

bool SettingsDialog::isValid() const
{
    return validateSettings(config()).empty() && config().validate().hasValue();
}

bool SettingsDialog::needsRestart() const
{
    const Config c = config();
    return c.kafkaBrokers != m_initial.kafkaBrokers || c.kafkaTopic != m_initial.kafkaTopic
        || c.redisUrl != m_initial.redisUrl;
}

void SettingsDialog::revalidate()
{
    const bool http = m_httpEnabled->isChecked();
    for (SettingsField f : {SettingsField::HttpHost, SettingsField::HttpPort, SettingsField::HttpToken})
        m_edits[slot(f)]->setEnabled(http);

    const Config c = config();
    std::array<QString, kSettingsFieldCount> messages;
    for (const FieldError &e : validateSettings(c))
        if (messages[slot(e.field)].isEmpty())
            messages[slot(e.field)] = e.message;
    if (http && !validPort(m_edits[slot(SettingsField::HttpPort)]->text().trimmed(), 0))
        messages[slot(SettingsField::HttpPort)] = tr("The port must be a number in 0..65535 (0 picks a free one)");
    bool anyField = false;
    for (std::size_t i = 0; i < kSettingsFieldCount; ++i) {
        m_errors[i]->setText(messages[i]);
        m_errors[i]->setVisible(!messages[i].isEmpty());
        anyField = anyField || !messages[i].isEmpty();
    }
    // Cross-field rules that no single field owns (core's own check, so the dialog and the command line
    // never disagree).
    const auto whole = c.validate();
    const bool generalError = !anyField && !whole.hasValue();
    m_general->setText(generalError ? whole.error().message : QString());
    m_general->setVisible(generalError);

    const bool restart = needsRestart();
    QFont f = m_restartNote->font();
    f.setBold(restart);
    m_restartNote->setFont(f);
    m_restartNote->setText(restart ? tr("Kafka and Redis changes apply when txpulse is restarted. The feed and "
                                        "the REST API apply at once.")
                                   : tr("The feed and the REST API apply at once. Kafka and Redis changes apply "
                                        "when txpulse is restarted."));

    const bool ok = !anyField && !generalError;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(ok);
}

bool SettingsDialog::apply()
{
    if (!isValid())
        return false;
    const Config c = config();
    storeSettings(m_settings, c);
    m_settings.sync();
    qCInfo(lcUi) << "settings applied:" << describeConfig(c);
    Q_EMIT settingsApplied(c);
    return true;
}

void SettingsDialog::accept()
{
    if (apply())
        QDialog::accept();
}

} // namespace txpulse::ui
