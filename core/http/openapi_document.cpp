#include "http/openapi_document.h"

#include "http/route_table.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace txpulse::http {

namespace {

// What no route owns: the API as a whole, its security scheme, the refusals the dispatcher and the guard
// answer for every route, and the schemas those refusals and /health share.
constexpr const char kFrame[] = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "txpulse REST API",
    "version": "1",
    "description": "Live Bitcoin mempool aggregates. Times are UTC (ISO 8601), values are satoshis (integers). When a token is configured every route except /health needs 'Authorization: Bearer <token>'. The Host header must name the address the server is bound to. Only GET and HEAD are accepted (OPTIONS too when CORS origins are configured)."
  },
  "servers": [{"url": "/"}],
  "security": [{"bearer": []}, {}],
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer", "description": "Required when the server is configured with a token (always when bound to a non-loopback address)."}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error", "reason"], "properties": {"error": {"type": "string"}, "reason": {"type": "string"}}},
      "ComponentState": {"type": "string", "enum": ["disabled", "connecting", "connected", "reconnecting", "down"]}
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
})json";

QJsonObject parseObject(const QByteArray &text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    // Route declarations are compiled in: a malformed fragment is a programming error, caught by the tests.
    Q_ASSERT_X(error.error == QJsonParseError::NoError && doc.isObject(), "openApiDocument", text.constData());
    return doc.object();
}

QJsonObject ref(const char *kind, const QByteArray &name)
{
    return {{QStringLiteral("$ref"), QStringLiteral("#/components/%1/%2").arg(QLatin1String(kind), QString::fromUtf8(name))}};
}

QJsonObject parameter(const QueryParam &q)
{
    QJsonObject schema;
    if (q.type == QueryParam::Type::Choice) {
        schema[QStringLiteral("type")] = QStringLiteral("string");
        QJsonArray choices;
        for (const QByteArray &c : q.choices)
            choices.append(QString::fromUtf8(c));
        schema[QStringLiteral("enum")] = choices;
        schema[QStringLiteral("default")] = QString::fromUtf8(q.choices.value(0));
    } else {
        schema[QStringLiteral("type")] = QStringLiteral("integer");
        if (q.only) {
            schema[QStringLiteral("enum")] = QJsonArray{*q.only};
        } else {
            schema[QStringLiteral("minimum")] = q.min;
            schema[QStringLiteral("maximum")] = q.max;
        }
        schema[QStringLiteral("default")] = q.fallback;
    }
    QJsonObject p{{QStringLiteral("name"), QString::fromUtf8(q.name)},
                  {QStringLiteral("in"), QStringLiteral("query")},
                  {QStringLiteral("required"), false},
                  {QStringLiteral("schema"), schema}};
    if (!q.description.isEmpty())
        p[QStringLiteral("description")] = QString::fromUtf8(q.description);
    return p;
}

QJsonObject operation(const Route &r, QJsonObject &sharedParameters)
{
    QJsonObject op{{QStringLiteral("summary"), QString::fromUtf8(r.summary)},
                   {QStringLiteral("operationId"), QString::fromUtf8(r.operationId)}};
    if (!r.description.isEmpty())
        op[QStringLiteral("description")] = QString::fromUtf8(r.description);
    if (r.open)
        op[QStringLiteral("security")] = QJsonArray{};

    QJsonArray parameters;
    if (r.pathParam) {
        parameters.append(QJsonObject{
            {QStringLiteral("name"), QString::fromUtf8(r.pathParam->name)},
            {QStringLiteral("in"), QStringLiteral("path")},
            {QStringLiteral("required"), true},
            {QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("integer")},
                                                   {QStringLiteral("minimum"), r.pathParam->min},
                                                   {QStringLiteral("maximum"), r.pathParam->max}}}});
    }
    for (const QueryParam &q : r.query) {
        if (q.component.isEmpty()) {
            parameters.append(parameter(q));
        } else {
            sharedParameters[QString::fromUtf8(q.component)] = parameter(q);
            parameters.append(ref("parameters", q.component));
        }
    }
    if (!parameters.isEmpty())
        op[QStringLiteral("parameters")] = parameters;

    QJsonObject content{{QString::fromUtf8(r.okMediaType), QJsonObject{{QStringLiteral("schema"), parseObject(r.okSchema)}}}};
    if (r.csv) {
        content[QStringLiteral("text/csv")] = QJsonObject{
            {QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                   {QStringLiteral("description"), QString::fromUtf8(r.csvColumns)}}}};
    }
    QJsonObject responses{{QStringLiteral("200"), QJsonObject{{QStringLiteral("description"), QString::fromUtf8(r.okDescription)},
                                                              {QStringLiteral("content"), content}}},
                          {QStringLiteral("400"), ref("responses", "BadRequest")},
                          {QStringLiteral("405"), ref("responses", "MethodNotAllowed")},
                          {QStringLiteral("421"), ref("responses", "Misdirected")}};
    if (!r.open)
        responses[QStringLiteral("401")] = ref("responses", "Unauthorized");
    if (r.needsSnapshot)
        responses[QStringLiteral("503")] = ref("responses", "NotReady");
    if (!r.extraResponses.isEmpty()) {
        const QJsonObject extra = parseObject(r.extraResponses);
        for (auto it = extra.begin(); it != extra.end(); ++it)
            responses[it.key()] = it.value();
    }
    op[QStringLiteral("responses")] = responses;
    return op;
}

} // namespace

QByteArray openApiDocument(const RouteTable &routes)
{
    QJsonObject doc = parseObject(QByteArray::fromRawData(kFrame, sizeof(kFrame) - 1));
    QJsonObject components = doc[QStringLiteral("components")].toObject();
    QJsonObject schemas = components[QStringLiteral("schemas")].toObject();
    QJsonObject parameters;
    QJsonObject paths;
    for (const Route &r : routes.routes()) {
        QJsonObject item = paths[QString::fromUtf8(r.path)].toObject();
        const QJsonObject op = operation(r, parameters);
        for (const QByteArray &method : r.methods)
            item[QString::fromUtf8(method.toLower())] = op;
        paths[QString::fromUtf8(r.path)] = item;
        for (const auto &[name, schema] : r.schemas)
            schemas[QString::fromUtf8(name)] = parseObject(schema);
    }
    components[QStringLiteral("schemas")] = schemas;
    components[QStringLiteral("parameters")] = parameters;
    doc[QStringLiteral("components")] = components;
    doc[QStringLiteral("paths")] = paths;
    return QJsonDocument(doc).toJson(QJsonDocument::Indented);
}

} // namespace txpulse::http
