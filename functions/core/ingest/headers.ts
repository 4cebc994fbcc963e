/**
 * Mapping by header names, for files that come without a config (SPEC §3).
 *
 * Headers are compared after normalization: Unicode NFKC (full-width → half-width), lower case,
 * without spaces, `_`, `-`, `.`, `/`, `:`, `*` and without a bracketed note (`手机号(必填)`,
 * `金额（元）`, `Phone [mobile]`). So `Mobile Phone`, `mobile_phone` and `MOBILE-PHONE` are one
 * name. Matching is exact on the normalized name (never a substring: `product name` is not `name`).
 *
 * Phones: mobile-style headers (手机, 手机号, mobile, cell …) rank before general ones (电话,
 * 联系电话, phone, tel …), which rank before secondary ones (备用电话, 座机, other phone …); a
 * trailing number (`电话2`, `phone 2`) ranks after the same name without one. The best column is
 * `phone`, every other phone column goes to `phones`.
 *
 * Purchases: when an order id, amount or price column is found, every row is a `purchase` event
 * with the purchase attributes found (order_id, product_id, product_name, category, quantity,
 * price, amount, currency, store) and its time. A product name column stands in for `product_id`
 * when there is no product id/SKU column.
 */
import type { EventsConfig, FieldsConfig, SourceConfig } from './source-config.ts';

export function normalizeHeader(h: string): string {
  return h
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[(\[【（{].*?[)\]】）}]/g, '')
    .replace(/[\s_\-./:*#'"`]+/g, '')
    .trim();
}

type Single = Exclude<keyof FieldsConfig, 'phone' | 'phones'>;

const PHONE_RANKS: Array<[number, string[]]> = [
  [
    0,
    [
      '手机', '手机号', '手机号码', '手机电话', '移动电话', '联系手机', '手机联系方式', '会员手机', '会员手机号', '客户手机',
      '客户手机号', '顾客手机', '顾客手机号', '用户手机', '用户手机号', '收货人手机', '收货人手机号', '注册手机', '注册手机号',
      'mobile', 'mobilephone', 'mobilenumber', 'mobileno', 'mobilephonenumber', 'cell', 'cellphone', 'cellnumber', 'cellphonenumber',
    ],
  ],
  [
    1,
    [
      '电话', '电话号码', '联系电话', '联系方式', '联系号码', '手机电话号码', '收货人电话', '客户电话', '顾客电话', '会员电话',
      'phone', 'phonenumber', 'phoneno', 'tel', 'telephone', 'telephonenumber', 'telno', 'contactnumber', 'contactphone',
    ],
  ],
  [
    2,
    [
      '备用电话', '备用手机', '备用手机号', '其他电话', '其它电话', '座机', '固定电话', '固话', '家庭电话', '办公电话', '公司电话', '单位电话',
      'otherphone', 'alternatephone', 'altphone', 'secondaryphone', 'homephone', 'workphone', 'officephone', 'landline', 'businessphone',
    ],
  ],
];

const SINGLE_ALIASES: Record<Single, string[]> = {
  name: ['姓名', '名字', '顾客姓名', '客户姓名', '会员姓名', '用户姓名', '联系人', '联系人姓名', '收货人', '收货人姓名', '客户名称', '顾客', '客户', 'name', 'fullname', 'customername', 'contactname', 'membername', 'username', 'clientname'],
  email: ['邮箱', '电子邮箱', '电子邮件', '邮件', '邮箱地址', 'email', 'emailaddress', 'mail', 'e-mail'],
  gender: ['性别', 'gender', 'sex'],
  birthDate: ['生日', '出生日期', '出生年月日', '出生年月', '生日日期', 'birthday', 'birthdate', 'dob', 'dateofbirth'],
  address: ['地址', '联系地址', '详细地址', '收货地址', '家庭地址', '家庭住址', '住址', '通讯地址', 'address', 'streetaddress', 'shippingaddress', 'homeaddress', 'mailingaddress', 'addressline1'],
  province: ['省', '省份', '所在省', '所在省份', '省/直辖市', 'province', 'state', 'region'],
  city: ['市', '城市', '所在城市', '所在市', '门店城市', 'city', 'town', 'suburb'],
  postcode: ['邮编', '邮政编码', 'postcode', 'postalcode', 'zip', 'zipcode'],
  areaCode: ['区号', '电话区号', 'areacode', 'phoneareacode'],
  // when the source last saw the customer: dates a number changed hands by, and "most recent" survivorship
  observedAt: ['更新时间', '最后更新时间', '最近更新时间', '最后消费时间', '最近消费时间', '最后到店时间', 'updatedat', 'lastupdated', 'lastseen', 'lastseenat', 'observedat'],
  memberId: ['会员号', '会员卡号', '会员编号', '会员id', '会员卡', '卡号', 'memberid', 'memberno', 'membernumber', 'membershipno', 'membershipnumber', 'membershipid', 'cardno', 'cardnumber', 'loyaltyid', 'loyaltyno'],
};

const RECORD_ID_ALIASES = ['id', 'recordid', '编号', '客户编号', '客户id', '记录编号', '记录id', 'customerid', 'customerno', 'clientid', 'contactid'];

const EXTERNAL_ID_ALIASES: Record<string, string[]> = {
  openid: ['openid', '微信openid', 'wechatopenid', 'wxopenid'],
  unionid: ['unionid', '微信unionid', 'wechatunionid'],
  device_id: ['deviceid', '设备id', '设备号', 'idfa', 'oaid'],
};

const PURCHASE_ALIASES: Record<string, string[]> = {
  order_id: ['订单号', '订单编号', '订单id', '单号', '交易单号', '交易号', '小票号', '小票编号', '流水号', 'orderid', 'orderno', 'ordernumber', 'order', 'transactionid', 'transactionno', 'receiptno', 'receiptnumber'],
  product_id: ['商品编号', '商品id', '商品编码', '商品代码', '货号', '条码', 'sku', 'skuid', 'skucode', 'productid', 'productcode', 'itemid', 'itemcode', 'barcode'],
  product_name: ['商品', '商品名称', '商品名', '品名', '产品', '产品名称', '货品名称', 'product', 'productname', 'item', 'itemname', 'goods'],
  category: ['品类', '类别', '类目', '分类', '商品类别', '商品分类', '商品品类', '产品类别', 'category', 'productcategory', 'itemcategory'],
  quantity: ['数量', '购买数量', '件数', '销售数量', 'qty', 'quantity'],
  price: ['单价', '价格', '售价', '商品单价', '销售单价', 'price', 'unitprice'],
  amount: ['金额', '订单金额', '实付金额', '支付金额', '消费金额', '交易金额', '总金额', '实收金额', '销售金额', '总价', '小计', '合计', 'amount', 'total', 'totalamount', 'orderamount', 'paidamount', 'paymentamount', 'subtotal', 'sales', 'salesamount'],
  currency: ['币种', '货币', 'currency'],
  store: ['门店', '门店名称', '店铺', '店铺名称', '店名', 'store', 'storename', 'shop', 'shopname'],
};

const TIME_ALIASES = [
  '时间', '下单时间', '订单时间', '购买时间', '交易时间', '消费时间', '支付时间', '付款时间', '销售时间', '日期', '下单日期', '订单日期', '购买日期',
  '交易日期', '消费日期', '销售日期', 'ordertime', 'orderdate', 'purchasetime', 'purchasedate', 'transactiontime', 'transactiondate', 'date', 'time',
  'datetime', 'timestamp', 'paidat', 'paytime', 'saletime', 'saledate',
];

function lookup(table: Record<string, string[]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [key, names] of Object.entries(table)) for (const n of names) m.set(normalizeHeader(n), key);
  return m;
}

const PHONE_RANK = new Map<string, number>();
for (const [rank, names] of PHONE_RANKS) for (const n of names) PHONE_RANK.set(normalizeHeader(n), rank);
const SINGLE = lookup(SINGLE_ALIASES);
const RECORD_ID = new Set(RECORD_ID_ALIASES.map(normalizeHeader));
const EXTERNAL = lookup(EXTERNAL_ID_ALIASES);
const PURCHASE = lookup(PURCHASE_ALIASES);
const TIME = new Set(TIME_ALIASES.map(normalizeHeader));

export interface DetectedMapping {
  fields: FieldsConfig;
  recordId?: string;
  externalIds?: Record<string, string>;
  /** Present when the columns describe purchases: every row becomes a `purchase` event. */
  events?: EventsConfig;
  /** Headers nothing was recognized in (kept in the raw row, listed for reports). */
  unrecognized: string[];
}

function phoneRank(norm: string): number | undefined {
  const direct = PHONE_RANK.get(norm);
  if (direct !== undefined) return direct * 100;
  const m = /^(.*?)(\d{1,2})$/.exec(norm);
  if (m && m[1]) {
    const base = PHONE_RANK.get(m[1]);
    if (base !== undefined) return base * 100 + Number(m[2]);
  }
  return undefined;
}

/** Recognizes canonical fields, the record id, extra ids and purchase columns from header names. */
export function detectMapping(headers: string[]): DetectedMapping {
  const fields: FieldsConfig = {};
  const phones: Array<{ header: string; rank: number; order: number }> = [];
  let recordId: string | undefined;
  const externalIds: Record<string, string> = {};
  const purchase: Record<string, string> = {};
  let time: string | undefined;
  const unrecognized: string[] = [];

  headers.forEach((header, order) => {
    const norm = normalizeHeader(header);
    if (!norm) {
      unrecognized.push(header);
      return;
    }
    const rank = phoneRank(norm);
    if (rank !== undefined) {
      phones.push({ header, rank, order });
      return;
    }
    const single = SINGLE.get(norm) as Single | undefined;
    if (single) {
      if (fields[single] === undefined) fields[single] = header;
      return;
    }
    if (RECORD_ID.has(norm)) {
      recordId ??= header;
      return;
    }
    const ext = EXTERNAL.get(norm);
    if (ext) {
      externalIds[ext] ??= header;
      return;
    }
    const attr = PURCHASE.get(norm);
    if (attr) {
      purchase[attr] ??= header;
      return;
    }
    if (TIME.has(norm)) {
      time ??= header;
      return;
    }
    unrecognized.push(header);
  });

  phones.sort((a, b) => a.rank - b.rank || a.order - b.order);
  if (phones.length) {
    fields.phone = phones[0]!.header;
    if (phones.length > 1) fields.phones = phones.slice(1).map((p) => p.header);
  }

  const out: DetectedMapping = { fields, unrecognized };
  if (recordId) out.recordId = recordId;
  if (Object.keys(externalIds).length) out.externalIds = externalIds;
  if (purchase.order_id || purchase.amount || purchase.price) {
    const attributes = { ...purchase };
    if (!attributes.product_id && attributes.product_name) attributes.product_id = attributes.product_name;
    const events: EventsConfig = { tag: 'purchase', attributes };
    if (time) events.timestamp = time;
    out.events = events;
  } else if (time) {
    unrecognized.push(time);
  }
  return out;
}

/**
 * Completes a config from a file's headers: whatever the config leaves out (`fields`,
 * `recordId`, `externalIds`, `events`) is taken from `detectMapping`. Fields the config names win
 * over detected ones, field by field.
 */
export function withDetectedMapping(config: SourceConfig, headers: string[]): SourceConfig {
  const d = detectMapping(headers);
  const out: SourceConfig = { ...config, fields: { ...d.fields, ...config.fields } };
  const recordId = config.recordId ?? d.recordId;
  if (recordId) out.recordId = recordId;
  const externalIds = config.externalIds ?? d.externalIds;
  if (externalIds) out.externalIds = externalIds;
  const events = config.events ?? d.events;
  if (events) out.events = events;
  return out;
}
