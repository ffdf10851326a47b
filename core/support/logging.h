#pragma once

#include <QLoggingCategory>

// One category per subsystem, declared once here and defined in logging.cpp.
Q_DECLARE_LOGGING_CATEGORY(lcFeed)  // txpulse.feed
Q_DECLARE_LOGGING_CATEGORY(lcParse) // txpulse.parse
Q_DECLARE_LOGGING_CATEGORY(lcKafka) // txpulse.kafka
Q_DECLARE_LOGGING_CATEGORY(lcRedis) // txpulse.redis
Q_DECLARE_LOGGING_CATEGORY(lcStore) // txpulse.store
Q_DECLARE_LOGGING_CATEGORY(lcApi)   // txpulse.api
Q_DECLARE_LOGGING_CATEGORY(lcApp)   // txpulse.app
Q_DECLARE_LOGGING_CATEGORY(lcUi)    // txpulse.ui
