#pragma once

#include "model/transaction.h"

#include <QDialog>

class QPlainTextEdit;

namespace txpulse::ui {

// Shows one transaction: a summary line and the raw feed message pretty-printed in a read-only monospace
// view, with a Copy button. Non-modal; deletes itself on close. GUI thread.
class TransactionDetailDialog : public QDialog {
    Q_OBJECT

public:
    TransactionDetailDialog(const Transaction &tx, bool utc, QWidget *parent = nullptr);

    QString text() const; // the pretty-printed message
    static QString prettyJson(const QByteArray &raw); // indented JSON, or the raw text when it is not JSON

private:
    QPlainTextEdit *m_view = nullptr;
};

} // namespace txpulse::ui
