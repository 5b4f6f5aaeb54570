// The coupon as a one-page PDF (pdf-lib): its code, its value and its date as real text, so it can be read,
// searched and copied. Dated with the coupon's own creation time rather than now, so rendering one coupon twice
// (a stream record delivered again) gives the same bytes.
import { PDFDocument, rgb, StandardFonts } from "pdf-lib";

/** A6 landscape, in points. */
const WIDTH = 420;
const HEIGHT = 298;
const INK = rgb(0.13, 0.16, 0.22);
const ACCENT = rgb(0.85, 0.33, 0.16);

export function formattedAmount(amount) {
  return `${amount.toFixed(2)} EUR`;
}

export function couponPdfKey(id) {
  return `coupons/${id}.pdf`;
}

/** @returns {Promise<Uint8Array>} */
export async function couponPdf(coupon) {
  const created = new Date(coupon.createdAt);
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.setTitle(`Coupon ${coupon.code}`);
  pdf.setSubject(`Gift coupon worth ${formattedAmount(coupon.amount)}`);
  pdf.setCreator("coupon shop");
  pdf.setProducer("pdf-lib");
  pdf.setCreationDate(created);
  pdf.setModificationDate(created);
  const page = pdf.addPage([WIDTH, HEIGHT]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const mono = await pdf.embedFont(StandardFonts.CourierBold);
  page.drawRectangle({ x: 12, y: 12, width: WIDTH - 24, height: HEIGHT - 24, borderColor: ACCENT, borderWidth: 2 });
  page.drawText("GIFT COUPON", { x: 32, y: HEIGHT - 56, size: 14, font: bold, color: ACCENT });
  page.drawText(formattedAmount(coupon.amount), { x: 32, y: HEIGHT - 110, size: 36, font: bold, color: INK });
  page.drawText("Code", { x: 32, y: HEIGHT - 150, size: 10, font: regular, color: INK });
  page.drawText(coupon.code, { x: 32, y: HEIGHT - 178, size: 22, font: mono, color: INK });
  page.drawText(`Issued ${created.toISOString().slice(0, 10)}`, { x: 32, y: 56, size: 10, font: regular, color: INK });
  page.drawText(`Coupon ${coupon.id}`, { x: 32, y: 40, size: 8, font: regular, color: INK });
  return pdf.save();
}
