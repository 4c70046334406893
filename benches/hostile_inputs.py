"""Writes the hostile workbooks benches/hostile.sh times two builds on (see BENCHMARKS.md):
returned_far.xlsx and register_far.xlsx (one cell at XFD1048576), returned_bomb.xlsx (a 14 MB
returned worklist whose sheet XML inflates to 878 MB) and register_wb_bomb.xlsx (a register
whose workbook part inflates to 1.5 GB). Synthetic: no personal data.

    python3 benches/hostile_inputs.py OUT_DIR
"""
import os
import sys
import zipfile
CT='<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
RELS='<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
WB='<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
WBR='<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
def c(r, t): return f'<c r="{r}" t="inlineStr"><is><t>{t}</t></is></c>'
WL=["STT","Nguồn","Mã","Kết quả xác minh","Số định danh đúng (nếu biết)","Ghi chú","Người xác minh","Mã bản ghi","Dấu bản ghi","Người được đề xuất"]
LB=["Họ và tên","Ngày sinh","Giới tính","Số CCCD"]
def rows(head, extra=''):
    return '<row r="1">' + ''.join(c(chr(65+i)+'1', h) for i,h in enumerate(head)) + '</row>' + extra
def write(path, sheetdata, wbxml=WB, tail=''):
    path = os.path.join(sys.argv[1] if len(sys.argv) > 1 else '.', path)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr('[Content_Types].xml', CT); z.writestr('_rels/.rels', RELS)
        with z.open('xl/workbook.xml', 'w') as f:
            f.write(wbxml.encode() if isinstance(wbxml, str) else b''.join(wbxml))
        z.writestr('xl/_rels/workbook.xml.rels', WBR)
        with z.open('xl/worksheets/sheet1.xml', 'w') as f:
            f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            f.write(sheetdata.encode())
            if tail == 'cells':
                # 878 MB of sheet XML: rows 2-2001 written 1,200 times, a 300-character value each.
                chunk = ''.join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{"x"*300}</t></is></c></row>' for r in range(2, 2002)).encode()
                for _ in range(1200): f.write(chunk)
            f.write(b'</sheetData></worksheet>')
far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
write('returned_far.xlsx', rows(WL, far))
write('register_far.xlsx', rows(LB, '<row r="2">'+c('A2','Nguyễn Văn An')+c('B2','01/02/1990')+c('C2','Nam')+c('D2','064090000001')+'</row>'+far))
write('returned_bomb.xlsx', rows(WL), tail='cells')
person = '<row r="2">'+c('A2','Nguyễn Văn An')+c('B2','01/02/1990')+c('C2','Nam')+c('D2','064090000001')+'</row>'
write('register_wb_bomb.xlsx', rows(LB, person), wbxml=[WB.encode().replace(b'</workbook>', b'')] + [b' ' * (1 << 20)] * 1500 + [b'</workbook>'])
