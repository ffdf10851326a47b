#include "http/openapi_document.h"

namespace txpulse {

namespace {

// Reusable pieces are under components; every operation lists its parameters and error responses.
constexpr const char kDocument[] = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "txpulse REST API",
    "version": "1",
    "description": "Live Bitcoin mempool aggregates. Times are UTC (ISO 8601), values are satoshis (integers). When a token is configured every route except /health needs 'Authorization: Bearer <token>'. The Host header must name the address the server is bound to. Only GET and HEAD are accepted (OPTIONS too when CORS origins are configured)."
  },
  "servers": [{"url": "/"}],
  "security": [{"bearer": []}, {}],
  "paths": {
    "/health": {
      "get": {
        "summary": "Service health",
        "operationId": "health",
        "security": [],
        "responses": {
          "200": {"description": "Serving", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
          "503": {"description": "Snapshot not ready or a configured part is down", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"}
        }
      }
    },
    "/show_transactions": {
      "get": {
        "summary": "The latest 100 feed messages as received, newest first",
        "operationId": "showTransactions",
        "responses": {
          "200": {"description": "Array of raw blockchain.com utx messages", "content": {"application/json": {"schema": {"type": "array", "maxItems": 100, "items": {"type": "object"}}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"},
          "503": {"$ref": "#/components/responses/NotReady"}
        }
      }
    },
    "/high_value_addr": {
      "get": {
        "summary": "Addresses by value received over the last 3 hours, descending",
        "operationId": "highValueAddresses",
        "parameters": [{"$ref": "#/components/parameters/Limit1000"}],
        "responses": {
          "200": {"description": "[[address, satoshis], ...]", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"oneOf": [{"type": "string"}, {"type": "integer", "format": "int64"}]}}}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"},
          "503": {"$ref": "#/components/responses/NotReady"}
        }
      }
    },
    "/transactions_count_per_minute/{m}": {
      "get": {
        "summary": "Transactions counted in one minute of the last hour",
        "description": "m = 0 is the minute that started 60 minutes ago, m = 59 the minute that started 1 minute ago; the current partial minute is not included. m is written with digits only: no sign, no leading zeros.",
        "operationId": "transactionsCountPerMinute",
        "parameters": [{"name": "m", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0, "maximum": 59}}],
        "responses": {
          "200": {"description": "[\"HH:MM\", count] (UTC); header X-Txpulse-Gap: 1 when the feed was down in that minute", "content": {"application/json": {"schema": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"oneOf": [{"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}, {"type": "integer"}]}}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"},
          "503": {"$ref": "#/components/responses/NotReady"}
        }
      }
    },
    "/api/v1/transactions": {
      "get": {
        "summary": "Latest transactions, parsed, with the raw message",
        "operationId": "transactions",
        "parameters": [{"$ref": "#/components/parameters/Limit100"}, {"$ref": "#/components/parameters/Format"}],
        "responses": {
          "200": {"description": "Newest first", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Transactions"}},
            "text/csv": {"schema": {"type": "string", "description": "hash,time,size,inputs,outputs,total_in,total_out,fee"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"},
          "503": {"$ref": "#/components/responses/NotReady"}
        }
      }
    },
    "/api/v1/addresses/top": {
      "get": {
        "summary": "Top addresses by value received in the ranking window",
        "operationId": "topAddresses",
        "parameters": [
          {"$ref": "#/components/parameters/Limit1000"},
          {"name": "window_minutes", "in": "query", "required": false, "description": "Only the 3-hour ranking is kept, so 180 is the only accepted value.", "schema": {"type": "integer", "enum": [180], "default": 180}},
          {"$ref": "#/components/parameters/Format"}],
        "responses": {
          "200": {"description": "Descending by satoshis, ties by address", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/TopAddresses"}},
            "text/csv": {"schema": {"type": "string", "description": "rank,address,satoshis"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"},
          "503": {"$ref": "#/components/responses/NotReady"}
        }
      }
    },
    "/api/v1/minutes": {
      "get": {
        "summary": "Per-minute transaction counts, oldest first, ending with the current partial minute",
        "operationId": "minutes",
        "parameters": [
          {"name": "minutes", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 180, "default": 60}},
          {"$ref": "#/components/parameters/Format"}],
        "responses": {
          "200": {"description": "gap is true when the feed was down (the count is then not a real zero)", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Minutes"}},
            "text/csv": {"schema": {"type": "string", "description": "minute,count,gap,partial"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"},
          "503": {"$ref": "#/components/responses/NotReady"}
        }
      }
    },
    "/api/v1/stats": {
      "get": {
        "summary": "Rates, totals, feed and pipeline state, consumer lag, rejects by reason",
        "operationId": "stats",
        "responses": {
          "200": {"description": "Counters since start", "content": {"application/json": {"schema": {"type": "object", "required": ["generated_at", "ready", "mode", "role", "rates", "feed", "kafka", "redis", "store"], "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "ready": {"type": "boolean"},
            "mode": {"type": "string", "enum": ["standalone", "pipeline"]},
            "role": {"type": "string", "enum": ["all", "ingest", "aggregate", "view"]},
            "tx_per_second": {"type": "number"},
            "rates": {"type": "object", "additionalProperties": {"type": "number"}},
            "feed": {"type": "object"},
            "kafka": {"type": "object"},
            "redis": {"type": "object"},
            "store": {"type": "object"},
            "last_error": {"type": "string", "nullable": true}}}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"}
        }
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "summary": "This document",
        "operationId": "openapi",
        "responses": {
          "200": {"description": "OpenAPI 3.0 document", "content": {"application/json": {"schema": {"type": "object"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"}
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics (text exposition format 0.0.4)",
        "operationId": "metrics",
        "responses": {
          "200": {"description": "Feed state, messages, rejects by reason, reconnects, Kafka produce/consume, queue depth, lag, store latency, HTTP requests by route and status", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "405": {"$ref": "#/components/responses/MethodNotAllowed"},
          "421": {"$ref": "#/components/responses/Misdirected"}
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer", "description": "Required when the server is configured with a token (always when bound to a non-loopback address)."}
    },
    "parameters": {
      "Limit100": {"name": "limit", "in": "query", "required": false, "description": "Digits only, no sign or leading zeros.", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100}},
      "Limit1000": {"name": "limit", "in": "query", "required": false, "description": "Digits only, no sign or leading zeros. At most as many entries as the snapshot holds are returned.", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
      "Format": {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error", "reason"], "properties": {"error": {"type": "string"}, "reason": {"type": "string"}}},
      "Health": {"type": "object", "required": ["status", "ready", "mode", "role", "feed", "kafka", "redis", "lag", "problems"], "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "ready": {"type": "boolean"},
        "mode": {"type": "string", "enum": ["standalone", "pipeline"]},
        "role": {"type": "string", "enum": ["all", "ingest", "aggregate", "view"]},
        "feed": {"$ref": "#/components/schemas/ComponentState"},
        "kafka": {"$ref": "#/components/schemas/ComponentState"},
        "redis": {"$ref": "#/components/schemas/ComponentState"},
        "lag": {"type": "integer", "nullable": true},
        "tx_per_second": {"type": "number"},
        "generated_at": {"type": "string", "format": "date-time", "nullable": true},
        "problems": {"type": "array", "items": {"type": "string"}}}},
      "ComponentState": {"type": "string", "enum": ["disabled", "connecting", "connected", "reconnecting", "down"]},
      "Transactions": {"type": "object", "required": ["generated_at", "count", "items"], "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "count": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "required": ["hash", "time", "time_unix", "size", "inputs", "outputs", "total_in", "total_out", "fee", "raw"], "properties": {
          "hash": {"type": "string"},
          "time": {"type": "string", "format": "date-time"},
          "time_unix": {"type": "integer", "format": "int64"},
          "size": {"type": "integer"},
          "inputs": {"type": "integer"},
          "outputs": {"type": "integer"},
          "total_in": {"type": "integer", "format": "int64"},
          "total_out": {"type": "integer", "format": "int64"},
          "fee": {"type": "integer", "format": "int64", "nullable": true},
          "raw": {"type": "object", "nullable": true}}}}}},
      "TopAddresses": {"type": "object", "required": ["generated_at", "window_minutes", "ranked_addresses", "ranked_satoshis", "count", "items"], "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "window_minutes": {"type": "integer"},
        "ranked_addresses": {"type": "integer", "format": "int64"},
        "ranked_satoshis": {"type": "integer", "format": "int64"},
        "count": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "required": ["rank", "address", "satoshis"], "properties": {
          "rank": {"type": "integer"}, "address": {"type": "string"}, "satoshis": {"type": "integer", "format": "int64"}}}}}},
      "Minutes": {"type": "object", "required": ["generated_at", "count", "items"], "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "count": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "required": ["minute", "count", "gap", "partial"], "properties": {
          "minute": {"type": "string", "format": "date-time"},
          "count": {"type": "integer"},
          "gap": {"type": "boolean"},
          "partial": {"type": "boolean"}}}}}}
    },
    "responses": {
      "BadRequest": {"description": "Bad parameter: not a canonical integer, out of range, unknown or repeated query key, missing Host", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthorized": {"description": "Missing or wrong bearer token", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "MethodNotAllowed": {"description": "Only GET and HEAD", "headers": {"Allow": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Misdirected": {"description": "The Host header does not name this server (DNS rebinding defence)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "Unknown route", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotReady": {"description": "No snapshot yet", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  }
}
)json";

} // namespace

const QByteArray &openApiDocument()
{
    static const QByteArray document = QByteArray::fromRawData(kDocument, sizeof(kDocument) - 1);
    return document;
}

} // namespace txpulse
