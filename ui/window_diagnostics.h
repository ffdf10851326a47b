#pragma once

#include <QObject>

class QSettings;

namespace txpulse::ui {

class MainWindow;

// Developer instrumentation of the main window, switched on by environment variables:
// - TXPULSE_UI_STALL_PROBE=1: measures how long the GUI thread is kept from its event loop (a 5 ms timer
//   that notes the longest gap between its ticks) and logs it every 10 s, with the slowest refresh.
// - TXPULSE_UI_SCREENSHOT=FILE.png [TXPULSE_UI_SCREENSHOT_DELAY_MS=15000]: saves the window once, for docs.
//   With "{view}" in the name, every page and both dialogs of the live app are saved, one file each.
// GUI thread; a child of the window, which it drives only through its public interface.
class WindowDiagnostics : public QObject {
    Q_OBJECT

public:
    WindowDiagnostics(MainWindow &window, QSettings &settings);

    qint64 longestStallUs() const { return m_longestStallUs; } // 0 without TXPULSE_UI_STALL_PROBE

private:
    void startStallProbe();
    void saveScreenshots(const QString &pattern);

    MainWindow &m_window;
    QSettings &m_settings;
    qint64 m_longestStallUs = 0;
};

} // namespace txpulse::ui
