// Swagger UI for /api/docs, from the swagger-ui-dist npm package (no CDN, no inline script).
window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
