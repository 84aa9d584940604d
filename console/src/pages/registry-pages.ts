/** The registry's and the relatives desk's pages, loaded together (one chunk) when first opened. */
export { BatchesPage } from './batches-page.tsx';
export { FacilitiesPage } from './facilities-page.tsx';
export { InquiryPage } from './inquiry-page.tsx';
export { RecordNewPage } from './record-new-page.tsx';
export { RecordPage } from './record-page.tsx';
export { RecordsPage } from './records-page.tsx';
export { RelativesPage } from './relatives-page.tsx';
