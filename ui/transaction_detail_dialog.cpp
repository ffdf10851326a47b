#include "transaction_detail_dialog.h"

#include "format.h"

#include <QLocale>
#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace txpulse::ui {

QString TransactionDetailDialog::prettyJson(const QByteArray &raw)
{
    QJsonParseError error{};
    if (QJsonDocument::fromJson(raw, &error).isNull() || error.error != QJsonParseError::NoError)
        return QString::fromUtf8(raw);
    // Re-indent the text itself instead of QJsonDocument::toJson(): that would sort the keys and turn
    // numbers into doubles, and this view is meant to show the message as the feed sent it.
    const QString in = QString::fromUtf8(raw);
    QString out;
    out.reserve(in.size() * 2);
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    auto newline = [&] {
        out += QLatin1Char('\n');
        out += QString(depth * 4, QLatin1Char(' '));
    };
    for (qsizetype i = 0; i < in.size(); ++i) {
        const QChar c = in.at(i);
        if (inString) {
            out += c;
            if (escaped)
                escaped = false;
            else if (c == QLatin1Char('\\'))
                escaped = true;
            else if (c == QLatin1Char('"'))
                inString = false;
            continue;
        }
        switch (c.unicode()) {
        case '"':
            inString = true;
            out += c;
            break;
        case '{':
        case '[': {
            qsizetype j = i + 1;
            while (j < in.size() && in.at(j).isSpace())
                ++j;
            const QChar close = c == QLatin1Char('{') ? QLatin1Char('}') : QLatin1Char(']');
            if (j < in.size() && in.at(j) == close) { // empty: stays on one line
                out += c;
                out += close;
                i = j;
                break;
            }
            out += c;
            ++depth;
            newline();
            break;
        }
        case '}':
        case ']':
            --depth;
            newline();
            out += c;
            break;
        case ',':
            out += c;
            newline();
            break;
        case ':': out += QStringLiteral(": "); break;
        case ' ':
        case '\t':
        case '\n':
        case '\r': break;
        default: out += c;
        }
    }
    return out;
}

TransactionDetailDialog::TransactionDetailDialog(const Transaction &tx, bool utc, QWidget *parent) : QDialog(parent)
{
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("Transaction %1").arg(shortIdentifier(tx.hash, 12, 8)));
    resize(760, 640);

    auto *layout = new QVBoxLayout(this);
    auto *hash = new QLabel(QString::fromStdString(tx.hash), this);
    hash->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    hash->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(hash);

    const QString fee = tx.fee ? tr("%1 sat (%2 sat/B)")
                                     .arg(QLocale().toString(static_cast<qlonglong>(*tx.fee)))
                                     .arg(tx.size > 0 ? static_cast<double>(*tx.fee) / static_cast<double>(tx.size) : 0.0,
                                          0, 'f', 1)
                               : tr("unknown");
    // No translator ships, so "%n input(s)" would stay literal: the English plural is spelled out.
    const QString inputs = tx.inputs.size() == 1 ? tr("1 input") : tr("%1 inputs").arg(tx.inputs.size());
    const QString outputs = tx.outputs.size() == 1 ? tr("1 output") : tr("%1 outputs").arg(tx.outputs.size());
    auto *summary = new QLabel(tr("%1%2  ·  %3, %4  ·  %5 BTC out  ·  fee %6  ·  %7 bytes")
                                   .arg(formatTime(tx.time, utc), utc ? tr(" UTC") : QString(), inputs, outputs)
                                   .arg(formatBtc(tx.totalOut), fee)
                                   .arg(tx.size),
                               this);
    summary->setWordWrap(true);
    layout->addWidget(summary);

    m_view = new QPlainTextEdit(this);
    m_view->setReadOnly(true);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_view->setPlainText(prettyJson(tx.raw));
    layout->addWidget(m_view, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *copy = buttons->addButton(tr("Copy JSON"), QDialogButtonBox::ActionRole);
    QPushButton *copyHash = buttons->addButton(tr("Copy hash"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(text()); });
    const QString hashText = QString::fromStdString(tx.hash);
    connect(copyHash, &QPushButton::clicked, this, [hashText] { QApplication::clipboard()->setText(hashText); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString TransactionDetailDialog::text() const
{
    return m_view->toPlainText();
}

} // namespace txpulse::ui
