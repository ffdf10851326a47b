#include "error_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace txpulse::ui {

ErrorBanner::ErrorBanner(QWidget *parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("errorBanner"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 6, 6, 6);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("errorBannerText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *dismiss = new QToolButton(this);
    dismiss->setText(tr("Dismiss"));
    dismiss->setAutoRaise(true);
    layout->addWidget(m_text, 1);
    layout->addWidget(dismiss);
    connect(dismiss, &QToolButton::clicked, this, [this] {
        m_dismissed = m_text->property("error").toString();
        hide();
    });
    hide();
}

void ErrorBanner::showError(const QString &error)
{
    if (error.isEmpty() || error == m_dismissed) {
        setVisible(false);
        return;
    }
    if (m_text->property("error").toString() != error) {
        m_text->setProperty("error", error);
        m_text->setText(tr("<b>Problem:</b> %1").arg(error.toHtmlEscaped()));
    }
    setVisible(true);
}

} // namespace txpulse::ui
