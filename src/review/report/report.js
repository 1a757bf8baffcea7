(function(){
"use strict";
var data={};
try{data=JSON.parse(document.getElementById("report-data").textContent);}catch(e){}
var table=document.getElementById("records-table");
var chunks=table?table.tBodies:[];
var rowPx=typeof data.row_px==="number"?data.row_px:22;
var rows=[],chunkOf=[],chunkShown=[];
for(var c=0;c<chunks.length;c++){var rs=chunks[c].rows;chunkShown.push(rs.length);for(var j=0;j<rs.length;j++){rows.push(rs[j]);chunkOf.push(c);}}
var n=rows.length;
var dep=new Array(n),yr=new Array(n),wc=new Array(n),txt=new Array(n),vis=new Array(n);
for(var i=0;i<n;i++){
var cl=rows[i].cells;
dep[i]=cl[2].textContent;yr[i]=cl[4].textContent;wc[i]=" "+cl[6].textContent+" ";
txt[i]=(cl[0].textContent+"\n"+cl[1].textContent+"\n"+cl[2].textContent+"\n"+cl[3].textContent).toLowerCase();
vis[i]=true;
}
var fd=document.getElementById("f-dept"),fy=document.getElementById("f-year"),fw=document.getElementById("f-warn"),fq=document.getElementById("f-text"),out=document.getElementById("shown-count");
function apply(){
var d=fd.value,y=fy.value,w=fw.value,q=fq.value.trim().toLowerCase(),k=0;
var dv=d.slice(2),yv=y.slice(2),wv=" "+w.slice(2)+" ";
var per=new Array(chunks.length);for(var c=0;c<per.length;c++)per[c]=0;
for(var i=0;i<n;i++){
var ok=(d==="*"||dep[i]===dv)&&(y==="*"||yr[i]===yv)&&
(w==="*"||(w==="+"?wc[i]!=="  ":w==="-"?wc[i]==="  ":wc[i].indexOf(wv)>=0))&&
(q===""||txt[i].indexOf(q)>=0);
if(ok!==vis[i]){rows[i].hidden=!ok;vis[i]=ok;}
if(ok){k++;per[chunkOf[i]]++;}
}
// A chunk not laid out yet takes the height of its visible rows; an empty one none.
for(var c=0;c<per.length;c++){if(per[c]!==chunkShown[c]){chunkShown[c]=per[c];chunks[c].hidden=per[c]===0;chunks[c].style.containIntrinsicHeight=(per[c]*rowPx)+"px";}}
out.textContent=String(k);
}
var timer=0;
fq.addEventListener("input",function(){clearTimeout(timer);timer=setTimeout(apply,n>20000?300:80);});
fd.addEventListener("change",apply);fy.addEventListener("change",apply);fw.addEventListener("change",apply);
apply();
if(typeof data.records==="number"&&data.records!==n){out.title="table rows "+n+", records "+data.records;}
document.body.dataset.ready="1";
})();
