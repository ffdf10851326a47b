#pragma once

#include <QFrame>

class QLabel;

namespace txpulse::ui {

// The non-modal error banner above the pages: "Problem: <the snapshot's last error>" with a Dismiss button.
// A dismissed error stays hidden; a different error shows the banner again. GUI thread.
class ErrorBanner : public QFrame {
    Q_OBJECT

public:
    explicit ErrorBanner(QWidget *parent = nullptr);

    void showError(const QString &error); // hides the banner when `error` is empty or was dismissed
    QLabel *textLabel() const { return m_text; }

private:
    QLabel *m_text = nullptr;
    QString m_dismissed;
};

} // namespace txpulse::ui
