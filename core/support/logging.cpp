#include "support/logging.h"

Q_LOGGING_CATEGORY(lcFeed, "txpulse.feed", QtInfoMsg)
Q_LOGGING_CATEGORY(lcParse, "txpulse.parse", QtInfoMsg)
Q_LOGGING_CATEGORY(lcKafka, "txpulse.kafka", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRedis, "txpulse.redis", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "txpulse.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApi, "txpulse.api", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApp, "txpulse.app", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUi, "txpulse.ui", QtInfoMsg)
