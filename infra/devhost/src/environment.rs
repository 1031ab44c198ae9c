//! The help desk's settings on the dev host: the values `template.yaml`'s parameters take
//! locally.

/// The support addresses of the local help desk (`SupportAddresses` in the template).
pub const DEV_SUPPORT_ADDRESSES: &str = "support@help.example.com=support,billing@help.example.com=billing";
/// The contact form's categories locally (`ContactCategories` in the template).
pub const DEV_CONTACT_CATEGORIES: &str = "general=support,billing=billing,technical=support";
/// A site allowed to embed the contact widget locally (`ContactFormOrigins` in the template):
/// serve a page with the widget snippet on port 8080 and open it under this name (browsers
/// send `*.localhost` to this machine).
pub const DEV_WIDGET_ORIGIN: &str = "http://widget.localhost:8080";
/// Signs portal links and form tokens locally; in AWS the key is generated per stack.
pub const DEV_PORTAL_KEY: &str = "lambdesk-local-portal-key-not-for-production-use";
