import DSRCore
import Foundation
import GRDB

/// The demo web shop: a deterministic store of customers, loyalty memberships, orders,
/// order lines and support tickets, and beside it a marketing store of consents linked to
/// people by email (customers' and newsletter readers' who never bought), generated with
/// set-based SQL (a recursive sequence joined to name lists), never row by row from Swift.
public enum DemoShop {
    /// The demo's customer count when none is given.
    public static let defaultCustomerCount = 1000
    /// The fewest customers the sample requests need (the erasure sample is customer 530).
    public static let minimumCustomerCount = 600

    /// Creates the shop store at `shop` with `customers` people and the marketing store at
    /// `marketing`; refuses existing files.
    public static func generateStores(shop: URL, marketing: URL, customers: Int) throws {
        guard customers >= minimumCustomerCount else {
            throw DSRError(.usage, "the demo needs at least \(minimumCustomerCount) customers")
        }
        for url in [shop, marketing] where FileManager.default.fileExists(atPath: url.path) {
            throw DSRError.cannotCreate("\(url.path): already exists")
        }
        do {
            let database = try DatabaseQueue(path: shop.path)
            try database.writeWithoutTransaction { db in
                // Nobody reads the stores while they are made, and a crash leaves files to
                // delete: no journal and no syncs until they are done, and room for the index builds.
                try db.execute(sql: "ATTACH DATABASE ? AS marketing", arguments: [marketing.path])
                try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA marketing.journal_mode = OFF; "
                               + "PRAGMA marketing.synchronous = OFF; PRAGMA cache_size = -262144")
                try db.inTransaction {
                    try db.execute(sql: schema)
                    try db.execute(sql: population, arguments: [customers])
                    // Indexes after the rows: building them once is faster than keeping
                    // them up to date through millions of inserts.
                    try db.execute(sql: indexes)
                    return .commit
                }
                try db.execute(sql: "ANALYZE; ANALYZE marketing; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                               + "PRAGMA marketing.journal_mode = WAL; PRAGMA marketing.synchronous = FULL")
                try db.execute(sql: "DETACH DATABASE marketing")
            }
            try database.close()
        } catch {
            try? FileManager.default.removeItem(at: shop)
            try? FileManager.default.removeItem(at: marketing)
            throw DSRError.cannotCreate("\(shop.path): cannot generate the demo stores (\(SQLiteCustomerStore.describe(error)))")
        }
        chmod(shop.path, 0o600)
        chmod(marketing.path, 0o600)
    }

    static let schema = """
        CREATE TABLE customers (
            id INTEGER PRIMARY KEY,
            customer_no TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL,
            phone TEXT,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            birth_date TEXT,
            street TEXT,
            postcode TEXT,
            city TEXT,
            country TEXT NOT NULL,
            created_at TEXT NOT NULL,
            restricted INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE loyalty_memberships (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers (id),
            tier TEXT NOT NULL,
            joined_at TEXT NOT NULL,
            expires_at TEXT,
            points INTEGER NOT NULL
        );
        CREATE TABLE orders (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers (id),
            ordered_at TEXT NOT NULL,
            status TEXT NOT NULL,
            total_cents INTEGER NOT NULL,
            currency TEXT NOT NULL,
            shipping_address TEXT,
            payment_reference TEXT,
            restricted INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE order_lines (
            id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL REFERENCES orders (id),
            sku TEXT NOT NULL,
            product_name TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            unit_price_cents INTEGER NOT NULL,
            gift_message TEXT
        );
        CREATE TABLE support_tickets (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers (id),
            opened_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            subject TEXT NOT NULL,
            message TEXT NOT NULL,
            accessibility_needs TEXT
        );
        -- Marketing consent evidence lives in a store of its own, apart from customer data,
        -- so an opt-out never touches what service messages need. A consent names the
        -- address it was given for, whether or not its owner ever bought.
        CREATE TABLE marketing.marketing_consents (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL,
            purpose TEXT NOT NULL,
            channel TEXT NOT NULL,
            consent_text TEXT NOT NULL,
            text_version TEXT NOT NULL,
            collected_via TEXT NOT NULL,
            granted_at TEXT NOT NULL,
            confirmed_at TEXT,
            valid_until TEXT,
            withdrawn_at TEXT,
            withdrawn_via TEXT,
            expired_at TEXT
        );
        """

    /// The lookups requests make (by identity, by owner), and the date ranges the data map's
    /// consent rules read every night: a soft opt-in's relationships by date, consents by
    /// expiry. Without the date indexes the nightly consent hygiene reads every order.
    static let indexes = """
        CREATE INDEX customers_email ON customers (lower(trim(email)));
        CREATE INDEX customers_phone ON customers (phone);
        CREATE INDEX loyalty_memberships_customer ON loyalty_memberships (customer_id);
        CREATE INDEX orders_customer ON orders (customer_id);
        CREATE INDEX order_lines_order ON order_lines (order_id);
        CREATE INDEX support_tickets_customer ON support_tickets (customer_id);
        CREATE INDEX marketing.marketing_consents_email ON marketing_consents (lower(trim(email)));
        CREATE INDEX orders_ordered_at ON orders (ordered_at);
        CREATE INDEX loyalty_memberships_expires_at ON loyalty_memberships (expires_at);
        CREATE INDEX marketing.marketing_consents_valid_until ON marketing_consents (valid_until);
        """

    /// Fills every table from one sequence of customer numbers. Names cycle through lists
    /// of coprime lengths so pairs vary; customer 6 shares customer 5's email (a family
    /// address), so the demo shows an ambiguous identity.
    static let population = """
        CREATE TEMP TABLE first_name (i INTEGER PRIMARY KEY, name TEXT, ascii TEXT);
        INSERT INTO first_name VALUES (0,'Kari','kari'),(1,'Astrid','astrid'),(2,'Ola','ola'),(3,'Erik','erik'),
            (4,'Ingrid','ingrid'),(5,'Lars','lars'),(6,'Per','per'),(7,'Märta','marta'),(8,'Øyvind','oyvind'),
            (9,'Åsa','asa'),(10,'Björn','bjorn'),(11,'Sigrid','sigrid');
        CREATE TEMP TABLE last_name (i INTEGER PRIMARY KEY, name TEXT);
        INSERT INTO last_name VALUES (0,'Nordmann'),(1,'Andersson'),(2,'Nordmann'),(3,'Johansson'),(4,'Hansen'),
            (5,'Hansen'),(6,'Hansen'),(7,'Berg'),(8,'Lindqvist'),(9,'Dahl'),(10,'Eriksson');
        CREATE TEMP TABLE city (i INTEGER PRIMARY KEY, name TEXT, country TEXT);
        INSERT INTO city VALUES (0,'Oslo','NO'),(1,'Stockholm','SE'),(2,'Bergen','NO'),(3,'Göteborg','SE'),
            (4,'Trondheim','NO'),(5,'Malmö','SE');
        CREATE TEMP TABLE product (i INTEGER PRIMARY KEY, sku TEXT, name TEXT, price INTEGER);
        INSERT INTO product VALUES (0,'SKU-1001','Wool sweater',89900),(1,'SKU-1002','Rain jacket',129900),
            (2,'SKU-1003','Hiking socks',14900),(3,'SKU-1004','Thermos',34900),(4,'SKU-1005','Head lamp',44900),
            (5,'SKU-1006','Trail shoes',149900),(6,'SKU-1007','Beanie',19900);

        WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < ?)
        INSERT INTO customers (id, customer_no, email, phone, first_name, last_name, birth_date, street, postcode,
                               city, country, created_at)
        SELECT n,
               printf('C-%06d', n),
               CASE WHEN n % 5 = 0 THEN upper(substr(f.ascii, 1, 1)) || substr(f.ascii, 2) ELSE f.ascii END
                   || '.' || lower(l.name) || n || '@example.' || CASE n % 2 WHEN 1 THEN 'no' ELSE 'se' END,
               CASE n % 2 WHEN 1 THEN printf('+479%07d', n) ELSE printf('+4670%07d', n) END,
               f.name, l.name,
               date('1950-01-01', '+' || ((n * 7919) % 18000) || ' days'),
               CASE n % 2 WHEN 1 THEN 'Storgata ' ELSE 'Drottninggatan ' END || (n % 150 + 1),
               CASE n % 2 WHEN 1 THEN printf('%04d', n % 9000 + 1000) ELSE printf('%03d %02d', n % 900 + 100, n % 100) END,
               c.name, c.country,
               datetime('2019-01-01', '+' || (n % 2000) || ' days', '+' || (n % 86400) || ' seconds')
        FROM n
        JOIN first_name f ON f.i = (n - 1) % 12
        JOIN last_name l ON l.i = (n - 1) % 11
        JOIN city c ON c.i = (1 - n % 2) + 2 * (n % 3);

        UPDATE customers SET email = (SELECT email FROM customers WHERE id = 5) WHERE id = 6;

        INSERT INTO loyalty_memberships (customer_id, tier, joined_at, expires_at, points)
        SELECT id, CASE id % 3 WHEN 1 THEN 'silver' ELSE 'gold' END, date(created_at, '+30 days'),
               date(created_at, '+' || (365 * (1 + id % 8)) || ' days'), (id * 37) % 5000
        FROM customers WHERE id % 3 <> 0 ORDER BY id;

        -- An order's lines, and so its total, depend only on its id modulo 21 (7 products, 3
        -- quantities): 21 totals computed once instead of summing 10 million lines.
        CREATE TEMP TABLE order_total (r INTEGER PRIMARY KEY, total INTEGER);
        WITH RECURSIVE r(r) AS (SELECT 0 UNION ALL SELECT r + 1 FROM r WHERE r < 20)
        INSERT INTO order_total
        SELECT r.r, sum((1 + (r.r + j.j) % 3) * p.price)
        FROM r JOIN (SELECT 1 AS j UNION ALL SELECT 2) j JOIN product p ON p.i = (r.r * 3 + j.j) % 7
        GROUP BY r.r;

        -- Customer c has 1 + c % 9 orders, numbered on from the orders of customers 1 to c - 1
        -- (a closed form of that sum), so ids need no sort and no lookup.
        INSERT INTO orders (id, customer_id, ordered_at, status, total_cents, currency, shipping_address, payment_reference)
        SELECT o.id, o.customer_id, datetime(o.created_at, '+' || (o.k * 41) || ' days'),
               CASE WHEN o.k = 1 + o.customer_id % 9 THEN 'processing' ELSE 'delivered' END,
               t.total, CASE o.country WHEN 'NO' THEN 'NOK' ELSE 'SEK' END,
               o.street || ', ' || o.postcode || ' ' || o.city,
               printf('PAY-%08d-%d', o.customer_id, o.k)
        FROM (SELECT c.id AS customer_id, c.created_at, c.country, c.street, c.postcode, c.city, k.k,
                     (c.id - 1) + 36 * ((c.id - 1) / 9) + ((c.id - 1) % 9) * ((c.id - 1) % 9 + 1) / 2 + k.k AS id
              FROM customers c
              CROSS JOIN (WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < 9) SELECT k FROM k) k
              WHERE k.k <= 1 + c.id % 9) o
        JOIN order_total t ON t.r = o.id % 21;

        INSERT INTO order_lines (id, order_id, sku, product_name, quantity, unit_price_cents, gift_message)
        SELECT (o.id - 1) * 2 + j.j, o.id, p.sku, p.name, 1 + (o.id + j.j) % 3, p.price,
               CASE WHEN o.id % 23 = 0 AND j.j = 1 THEN 'Happy birthday! Love from all of us' END
        FROM orders o
        CROSS JOIN (SELECT 1 AS j UNION ALL SELECT 2) j
        JOIN product p ON p.i = (o.id * 3 + j.j) % 7;

        INSERT INTO support_tickets (customer_id, opened_at, channel, subject, message, accessibility_needs)
        SELECT id, datetime(created_at, '+90 days'), CASE id % 3 WHEN 0 THEN 'chat' ELSE 'email' END,
               'Where is my order?',
               'Hello, my order has not arrived yet. Could you check the delivery? Regards, ' || first_name,
               CASE WHEN id % 40 = 0 THEN 'Wheelchair user: needs deliveries to the ground floor' END
        FROM customers WHERE id % 4 = 0 ORDER BY id;

        INSERT INTO marketing.marketing_consents (email, purpose, channel, consent_text, text_version, collected_via, granted_at,
                                                  confirmed_at, valid_until, withdrawn_at, withdrawn_via)
        SELECT c.email, 'newsletter', ch.channel,
               'Yes, send me the Demo Shop newsletter by ' || ch.channel || '. I can unsubscribe at any time.',
               'newsletter-consent-v3', 'checkout form /kasse',
               strftime('%Y-%m-%dT%H:%M:%SZ', g.at), strftime('%Y-%m-%dT%H:%M:%SZ', g.at, '+10 minutes'),
               date(g.at, '+3 years'),
               CASE WHEN c.id % 17 = 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', g.at, '+200 days') END,
               CASE WHEN c.id % 17 = 0 THEN 'unsubscribe link' END
        FROM customers c
        -- Consents were asked for in a campaign from 2024 on, so most still stand.
        JOIN (SELECT id, datetime('2024-01-01', '+' || (id % 1000) || ' days', '+' || (id % 43200) || ' seconds') AS at
              FROM customers) g ON g.id = c.id
        JOIN (SELECT 'email' AS channel UNION ALL SELECT 'sms') ch ON ch.channel = 'email' OR c.id % 5 = 0
        WHERE c.id % 2 = 1 OR c.id % 5 = 0
        ORDER BY c.id, ch.channel;

        -- Newsletter readers who never bought: one for every 50 customers, signed up on the
        -- web site; every tenth has since unsubscribed.
        INSERT INTO marketing.marketing_consents (email, purpose, channel, consent_text, text_version, collected_via, granted_at,
                                                  confirmed_at, valid_until, withdrawn_at, withdrawn_via)
        SELECT printf('reader%d@example.no', r.n), 'newsletter', 'email',
               'Yes, send me the Demo Shop newsletter by email. I can unsubscribe at any time.',
               'newsletter-consent-v3', 'newsletter sign-up /nyhetsbrev',
               strftime('%Y-%m-%dT%H:%M:%SZ', r.at), strftime('%Y-%m-%dT%H:%M:%SZ', r.at, '+5 minutes'), date(r.at, '+3 years'),
               CASE WHEN r.n % 10 = 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', r.at, '+100 days') END,
               CASE WHEN r.n % 10 = 0 THEN 'unsubscribe link' END
        FROM (SELECT id AS n, datetime('2024-02-01', '+' || (id % 900) || ' days', '+' || (id % 3600) || ' seconds') AS at
              FROM customers WHERE id <= (SELECT count(*) FROM customers) / 50) r;
        """
}
